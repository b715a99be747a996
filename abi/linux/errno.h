#pragma once

// Linux errno values (include/uapi/asm-generic/errno-base.h and errno.h; the
// same on x86-64). System calls return -errno. Names keep Linux's spelling
// after the k (kEINVAL) since errno names are abbreviations, not words.
// kstd::Error (kstd/error.h) takes its values from here.

namespace linux_abi {

inline constexpr int kEPERM = 1;
inline constexpr int kENOENT = 2;
inline constexpr int kESRCH = 3;
inline constexpr int kEINTR = 4;
inline constexpr int kEIO = 5;
inline constexpr int kENXIO = 6;
inline constexpr int kE2BIG = 7;
inline constexpr int kENOEXEC = 8;
inline constexpr int kEBADF = 9;
inline constexpr int kECHILD = 10;
inline constexpr int kEAGAIN = 11;
inline constexpr int kENOMEM = 12;
inline constexpr int kEACCES = 13;
inline constexpr int kEFAULT = 14;
inline constexpr int kENOTBLK = 15;
inline constexpr int kEBUSY = 16;
inline constexpr int kEEXIST = 17;
inline constexpr int kEXDEV = 18;
inline constexpr int kENODEV = 19;
inline constexpr int kENOTDIR = 20;
inline constexpr int kEISDIR = 21;
inline constexpr int kEINVAL = 22;
inline constexpr int kENFILE = 23;
inline constexpr int kEMFILE = 24;
inline constexpr int kENOTTY = 25;
inline constexpr int kETXTBSY = 26;
inline constexpr int kEFBIG = 27;
inline constexpr int kENOSPC = 28;
inline constexpr int kESPIPE = 29;
inline constexpr int kEROFS = 30;
inline constexpr int kEMLINK = 31;
inline constexpr int kEPIPE = 32;
inline constexpr int kEDOM = 33;
inline constexpr int kERANGE = 34;
inline constexpr int kEDEADLK = 35;
inline constexpr int kENAMETOOLONG = 36;
inline constexpr int kENOLCK = 37;
inline constexpr int kENOSYS = 38;
inline constexpr int kENOTEMPTY = 39;
inline constexpr int kELOOP = 40;
inline constexpr int kENOMSG = 42;
inline constexpr int kEIDRM = 43;
inline constexpr int kENODATA = 61;
inline constexpr int kEBADMSG = 74;
inline constexpr int kEOVERFLOW = 75;
inline constexpr int kENOTSOCK = 88;
inline constexpr int kEDESTADDRREQ = 89;
inline constexpr int kEMSGSIZE = 90;
inline constexpr int kEPROTOTYPE = 91;
inline constexpr int kENOPROTOOPT = 92;
inline constexpr int kEPROTONOSUPPORT = 93;
inline constexpr int kESOCKTNOSUPPORT = 94;
inline constexpr int kEOPNOTSUPP = 95;
inline constexpr int kEAFNOSUPPORT = 97;
inline constexpr int kEADDRINUSE = 98;
inline constexpr int kEADDRNOTAVAIL = 99;
inline constexpr int kENETDOWN = 100;
inline constexpr int kENETUNREACH = 101;
inline constexpr int kECONNABORTED = 103;
inline constexpr int kECONNRESET = 104;
inline constexpr int kENOBUFS = 105;
inline constexpr int kEISCONN = 106;
inline constexpr int kENOTCONN = 107;
inline constexpr int kETOOMANYREFS = 109;
inline constexpr int kETIMEDOUT = 110;
inline constexpr int kECONNREFUSED = 111;
inline constexpr int kEHOSTUNREACH = 113;
inline constexpr int kEALREADY = 114;
inline constexpr int kEINPROGRESS = 115;
inline constexpr int kESTALE = 116;
inline constexpr int kEUCLEAN = 117;
inline constexpr int kEDQUOT = 122;
inline constexpr int kEOWNERDEAD = 130;

// The kernel's restart codes (include/linux/errno.h, not uapi): a blocking
// call interrupted by a signal returns one, and signal delivery turns it
// into EINTR or a restart. User space never sees them.
inline constexpr int kERESTARTSYS = 512;
inline constexpr int kERESTARTNOINTR = 513;
inline constexpr int kERESTARTNOHAND = 514;
inline constexpr int kERESTART_RESTARTBLOCK = 516;

}  // namespace linux_abi
