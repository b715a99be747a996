#pragma once

// The names uname(2) reports and /proc shows: the host and domain names of
// the calling process's UTS namespace (core/proc/uts_namespace.h;
// sethostname/setdomainname and /proc/sys/kernel/{hostname,domainname}
// change them; at most 64 bytes each, Linux's __NEW_UTS_LEN) and the fixed
// system, release and version strings (also /proc/version's).

#include <stddef.h>

namespace core::procfs {

inline constexpr size_t kUtsNameLength = 65;      // with the NUL
inline constexpr const char kOsType[] = "Linux";  // programs key on the Linux ABI
inline constexpr const char kOsRelease[] = "6.1.0-tessera";
inline constexpr const char kOsVersion[] = "#1 Tessera 0.1.0";

/// Copies the host (`host`) or domain name into `out` (NUL-terminated).
void GetUtsName(bool host, char out[kUtsNameLength]);
/// Sets it from `name` (`length` <= 64 bytes, no NUL needed).
void SetUtsName(bool host, const char* name, size_t length);

}  // namespace core::procfs
