#pragma once

// Error codes used across Tessera. The numeric values are the Linux x86-64 errno
// values (abi/linux/errno.h), so a POSIX-facing syscall can return
// -static_cast<int>(err) unchanged.

#include "abi/linux/errno.h"

namespace kstd {

enum class Error : int {
  kPermission = linux_abi::kEPERM,
  kNotFound = linux_abi::kENOENT,
  kSearch = linux_abi::kESRCH,  // no such process
  kInterrupted = linux_abi::kEINTR,
  kIo = linux_abi::kEIO,
  kNoDeviceOrAddress = linux_abi::kENXIO,  // a device node with no driver behind it
  kTooBig = linux_abi::kE2BIG,
  kBadExecutable = linux_abi::kENOEXEC,
  kBadHandle = linux_abi::kEBADF,
  kNoChild = linux_abi::kECHILD,
  kAgain = linux_abi::kEAGAIN,
  kNoMemory = linux_abi::kENOMEM,
  kAccess = linux_abi::kEACCES,
  kFault = linux_abi::kEFAULT,
  kNotBlock = linux_abi::kENOTBLK,  // mount(2): the source is not a block device
  kBusy = linux_abi::kEBUSY,
  kExists = linux_abi::kEEXIST,
  kCrossDevice = linux_abi::kEXDEV,  // rename/link across file systems
  kNoDevice = linux_abi::kENODEV,    // mount(2): a file-system type the kernel does not have
  kNotDirectory = linux_abi::kENOTDIR,
  kIsDirectory = linux_abi::kEISDIR,
  kNotTty = linux_abi::kENOTTY,  // an ioctl the device does not support
  kInvalid = linux_abi::kEINVAL,
  kTooManyHandles = linux_abi::kEMFILE,  // a handle or fd table is full
  kFileTooBig = linux_abi::kEFBIG,
  kNoSpace = linux_abi::kENOSPC,
  kIllegalSeek = linux_abi::kESPIPE,  // seek on a pipe or a terminal
  kReadOnlyFs = linux_abi::kEROFS,    // a write to a read-only file system or device
  kTooManyLinks = linux_abi::kEMLINK,
  kPipe = linux_abi::kEPIPE,   // the other end of a channel or pipe is closed
  kDomain = linux_abi::kEDOM,  // an argument out of the call's domain (SO_RCVTIMEO's usec)
  kRange = linux_abi::kERANGE,
  kNameTooLong = linux_abi::kENAMETOOLONG,
  kNotSupported = linux_abi::kENOSYS,
  kNotEmpty = linux_abi::kENOTEMPTY,
  kLoop = linux_abi::kELOOP,  // too many symbolic links
  kOverflow = linux_abi::kEOVERFLOW,
  kBadMessage = linux_abi::kEBADMSG,    // malformed input: boot info, ELF, tables
  kMessageSize = linux_abi::kEMSGSIZE,  // a receive buffer is too small
  kTimedOut = linux_abi::kETIMEDOUT,
  kStale = linux_abi::kESTALE,      // a file whose server no longer knows it
  kIdRemoved = linux_abi::kEIDRM,   // a System V IPC object removed while in use
  kNoMessage = linux_abi::kENOMSG,  // msgrcv: no message of the wanted type
  kDeadlock = linux_abi::kEDEADLK,  // a blocking file lock would wait for itself
  kNoLocks = linux_abi::kENOLCK,    // the file-lock table is full
  // Sockets.
  kNotSocket = linux_abi::kENOTSOCK,
  kDestinationRequired = linux_abi::kEDESTADDRREQ,
  kWrongProtocolType = linux_abi::kEPROTOTYPE,
  kNoProtocolOption = linux_abi::kENOPROTOOPT,
  kProtocolNotSupported = linux_abi::kEPROTONOSUPPORT,
  kSocketTypeNotSupported = linux_abi::kESOCKTNOSUPPORT,
  kOperationNotSupported = linux_abi::kEOPNOTSUPP,
  kFamilyNotSupported = linux_abi::kEAFNOSUPPORT,
  kAddressInUse = linux_abi::kEADDRINUSE,
  kAddressNotAvailable = linux_abi::kEADDRNOTAVAIL,
  kConnectionAborted = linux_abi::kECONNABORTED,
  kConnectionReset = linux_abi::kECONNRESET,
  kNoBuffers = linux_abi::kENOBUFS,
  kIsConnected = linux_abi::kEISCONN,
  kNotConnected = linux_abi::kENOTCONN,
  kTooManyReferences = linux_abi::kETOOMANYREFS,
  kConnectionRefused = linux_abi::kECONNREFUSED,
  kAlready = linux_abi::kEALREADY,
  kInProgress = linux_abi::kEINPROGRESS,
  kNetworkDown = linux_abi::kENETDOWN,
  kNetworkUnreachable = linux_abi::kENETUNREACH,
  kHostUnreachable = linux_abi::kEHOSTUNREACH,
  // Kernel-internal restart codes (never seen by user space): a blocking
  // syscall interrupted by a signal returns one of these, and the signal
  // delivery code turns it into EINTR or a restart (core/posix/signal_frame.h).
  kRestartSys = linux_abi::kERESTARTSYS,              // restart if the handler has SA_RESTART
  kRestartNoIntr = linux_abi::kERESTARTNOINTR,        // always restart
  kRestartNoHand = linux_abi::kERESTARTNOHAND,        // restart only if no handler runs
  kRestartBlock = linux_abi::kERESTART_RESTARTBLOCK,  // restart via restart_syscall
};

/// A short, stable name for an error ("EINVAL"), for logs and panic messages.
const char* ErrorName(Error error);

}  // namespace kstd
