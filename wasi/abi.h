// Constants of the wasi_snapshot_preview1 ABI (values as in wasi/api.h of
// wasi-libc), shared by the WASI layer and its filesystem backends.
#pragma once

#include <cstdint>

namespace tern::wasi::abi {

using Errno = uint16_t;

// errno: WASI numbers them alphabetically, unlike any host.
inline constexpr Errno kOk = 0;
inline constexpr Errno kE2big = 1;
inline constexpr Errno kEacces = 2;
inline constexpr Errno kEaddrinuse = 3;
inline constexpr Errno kEaddrnotavail = 4;
inline constexpr Errno kEafnosupport = 5;
inline constexpr Errno kEagain = 6;
inline constexpr Errno kEalready = 7;
inline constexpr Errno kEbadf = 8;
inline constexpr Errno kEbadmsg = 9;
inline constexpr Errno kEbusy = 10;
inline constexpr Errno kEcanceled = 11;
inline constexpr Errno kEchild = 12;
inline constexpr Errno kEconnaborted = 13;
inline constexpr Errno kEconnrefused = 14;
inline constexpr Errno kEconnreset = 15;
inline constexpr Errno kEdeadlk = 16;
inline constexpr Errno kEdestaddrreq = 17;
inline constexpr Errno kEdom = 18;
inline constexpr Errno kEdquot = 19;
inline constexpr Errno kEexist = 20;
inline constexpr Errno kEfault = 21;
inline constexpr Errno kEfbig = 22;
inline constexpr Errno kEhostunreach = 23;
inline constexpr Errno kEidrm = 24;
inline constexpr Errno kEilseq = 25;
inline constexpr Errno kEinprogress = 26;
inline constexpr Errno kEintr = 27;
inline constexpr Errno kEinval = 28;
inline constexpr Errno kEio = 29;
inline constexpr Errno kEisconn = 30;
inline constexpr Errno kEisdir = 31;
inline constexpr Errno kEloop = 32;
inline constexpr Errno kEmfile = 33;
inline constexpr Errno kEmlink = 34;
inline constexpr Errno kEmsgsize = 35;
inline constexpr Errno kEmultihop = 36;
inline constexpr Errno kEnametoolong = 37;
inline constexpr Errno kEnetdown = 38;
inline constexpr Errno kEnetreset = 39;
inline constexpr Errno kEnetunreach = 40;
inline constexpr Errno kEnfile = 41;
inline constexpr Errno kEnobufs = 42;
inline constexpr Errno kEnodev = 43;
inline constexpr Errno kEnoent = 44;
inline constexpr Errno kEnoexec = 45;
inline constexpr Errno kEnolck = 46;
inline constexpr Errno kEnolink = 47;
inline constexpr Errno kEnomem = 48;
inline constexpr Errno kEnomsg = 49;
inline constexpr Errno kEnoprotoopt = 50;
inline constexpr Errno kEnospc = 51;
inline constexpr Errno kEnosys = 52;
inline constexpr Errno kEnotconn = 53;
inline constexpr Errno kEnotdir = 54;
inline constexpr Errno kEnotempty = 55;
inline constexpr Errno kEnotrecoverable = 56;
inline constexpr Errno kEnotsock = 57;
inline constexpr Errno kEnotsup = 58;
inline constexpr Errno kEnotty = 59;
inline constexpr Errno kEnxio = 60;
inline constexpr Errno kEoverflow = 61;
inline constexpr Errno kEownerdead = 62;
inline constexpr Errno kEperm = 63;
inline constexpr Errno kEpipe = 64;
inline constexpr Errno kEproto = 65;
inline constexpr Errno kEprotonosupport = 66;
inline constexpr Errno kEprototype = 67;
inline constexpr Errno kErange = 68;
inline constexpr Errno kErofs = 69;
inline constexpr Errno kEspipe = 70;
inline constexpr Errno kEsrch = 71;
inline constexpr Errno kEstale = 72;
inline constexpr Errno kEtimedout = 73;
inline constexpr Errno kEtxtbsy = 74;
inline constexpr Errno kExdev = 75;
inline constexpr Errno kEnotcapable = 76;

// rights
inline constexpr uint64_t kRightFdDatasync = 1ull << 0;
inline constexpr uint64_t kRightFdRead = 1ull << 1;
inline constexpr uint64_t kRightFdSeek = 1ull << 2;
inline constexpr uint64_t kRightFdFdstatSetFlags = 1ull << 3;
inline constexpr uint64_t kRightFdSync = 1ull << 4;
inline constexpr uint64_t kRightFdTell = 1ull << 5;
inline constexpr uint64_t kRightFdWrite = 1ull << 6;
inline constexpr uint64_t kRightFdAdvise = 1ull << 7;
inline constexpr uint64_t kRightFdAllocate = 1ull << 8;
inline constexpr uint64_t kRightPathCreateDirectory = 1ull << 9;
inline constexpr uint64_t kRightPathCreateFile = 1ull << 10;
inline constexpr uint64_t kRightPathLinkSource = 1ull << 11;
inline constexpr uint64_t kRightPathLinkTarget = 1ull << 12;
inline constexpr uint64_t kRightPathOpen = 1ull << 13;
inline constexpr uint64_t kRightFdReaddir = 1ull << 14;
inline constexpr uint64_t kRightPathReadlink = 1ull << 15;
inline constexpr uint64_t kRightPathRenameSource = 1ull << 16;
inline constexpr uint64_t kRightPathRenameTarget = 1ull << 17;
inline constexpr uint64_t kRightPathFilestatGet = 1ull << 18;
inline constexpr uint64_t kRightPathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t kRightPathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t kRightFdFilestatGet = 1ull << 21;
inline constexpr uint64_t kRightFdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t kRightFdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t kRightPathSymlink = 1ull << 24;
inline constexpr uint64_t kRightPathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t kRightPathUnlinkFile = 1ull << 26;
inline constexpr uint64_t kRightPollFdReadwrite = 1ull << 27;
inline constexpr uint64_t kRightSockShutdown = 1ull << 28;
inline constexpr uint64_t kRightSockAccept = 1ull << 29;
inline constexpr uint64_t kAllRights = (1ull << 30) - 1;

// What each kind of descriptor can ever do.
inline constexpr uint64_t kFileRights = kRightFdDatasync | kRightFdRead | kRightFdSeek | kRightFdFdstatSetFlags |
                                        kRightFdSync | kRightFdTell | kRightFdWrite | kRightFdAdvise |
                                        kRightFdAllocate | kRightFdFilestatGet | kRightFdFilestatSetSize |
                                        kRightFdFilestatSetTimes | kRightPollFdReadwrite;
inline constexpr uint64_t kDirRights = kRightFdDatasync | kRightFdFdstatSetFlags | kRightFdSync |
                                       kRightPathCreateDirectory | kRightPathCreateFile | kRightPathLinkSource |
                                       kRightPathLinkTarget | kRightPathOpen | kRightFdReaddir | kRightPathReadlink |
                                       kRightPathRenameSource | kRightPathRenameTarget | kRightPathFilestatGet |
                                       kRightPathFilestatSetSize | kRightPathFilestatSetTimes | kRightFdFilestatGet |
                                       kRightFdFilestatSetTimes | kRightPathSymlink | kRightPathRemoveDirectory |
                                       kRightPathUnlinkFile | kRightPollFdReadwrite;
// A stream (terminal, pipe, socket) has no seek or tell right: that is how
// wasi-libc's isatty() tells a terminal from a file.
inline constexpr uint64_t kStreamRights = kRightFdRead | kRightFdWrite | kRightFdFdstatSetFlags | kRightFdFilestatGet |
                                          kRightPollFdReadwrite;
inline constexpr uint64_t kSocketRights = kStreamRights | kRightSockShutdown | kRightSockAccept;

// filetype
inline constexpr uint8_t kTypeUnknown = 0;
inline constexpr uint8_t kTypeBlockDevice = 1;
inline constexpr uint8_t kTypeCharDevice = 2;
inline constexpr uint8_t kTypeDirectory = 3;
inline constexpr uint8_t kTypeRegularFile = 4;
inline constexpr uint8_t kTypeSocketDgram = 5;
inline constexpr uint8_t kTypeSocketStream = 6;
inline constexpr uint8_t kTypeSymlink = 7;

// fdflags
inline constexpr uint16_t kFdflagAppend = 1 << 0;
inline constexpr uint16_t kFdflagDsync = 1 << 1;
inline constexpr uint16_t kFdflagNonblock = 1 << 2;
inline constexpr uint16_t kFdflagRsync = 1 << 3;
inline constexpr uint16_t kFdflagSync = 1 << 4;
inline constexpr uint16_t kFdflagsAll = 0x1f;

// oflags
inline constexpr uint16_t kOflagCreat = 1 << 0;
inline constexpr uint16_t kOflagDirectory = 1 << 1;
inline constexpr uint16_t kOflagExcl = 1 << 2;
inline constexpr uint16_t kOflagTrunc = 1 << 3;
inline constexpr uint16_t kOflagsAll = 0xf;

// lookupflags
inline constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

// fstflags
inline constexpr uint16_t kFstAtim = 1 << 0;
inline constexpr uint16_t kFstAtimNow = 1 << 1;
inline constexpr uint16_t kFstMtim = 1 << 2;
inline constexpr uint16_t kFstMtimNow = 1 << 3;

// whence
inline constexpr uint8_t kWhenceSet = 0;
inline constexpr uint8_t kWhenceCur = 1;
inline constexpr uint8_t kWhenceEnd = 2;

// advice
inline constexpr uint8_t kAdviceNoreuse = 5;  // the largest value

// event types and flags
inline constexpr uint8_t kEventClock = 0;
inline constexpr uint8_t kEventFdRead = 1;
inline constexpr uint8_t kEventFdWrite = 2;
inline constexpr uint16_t kEventHangup = 1 << 0;
inline constexpr uint16_t kSubclockAbstime = 1 << 0;

// sockets
inline constexpr uint16_t kRiflagRecvPeek = 1 << 0;
inline constexpr uint16_t kRiflagRecvWaitall = 1 << 1;
inline constexpr uint16_t kRoflagRecvDataTruncated = 1 << 0;
inline constexpr uint8_t kSdflagRd = 1 << 0;
inline constexpr uint8_t kSdflagWr = 1 << 1;

// struct sizes
inline constexpr uint32_t kIovecSize = 8;
inline constexpr uint32_t kFdstatSize = 24;
inline constexpr uint32_t kFilestatSize = 64;
inline constexpr uint32_t kPrestatSize = 8;
inline constexpr uint32_t kDirentHeaderSize = 24;
inline constexpr uint32_t kSubscriptionSize = 48;
inline constexpr uint32_t kEventSize = 32;

// limits this implementation keeps to
inline constexpr uint32_t kMaxSymlinkFollows = 40;
inline constexpr uint32_t kMaxNameLength = 255;
inline constexpr uint32_t kMaxPathLength = 4096;
inline constexpr uint32_t kMaxFds = 16384;

}  // namespace tern::wasi::abi
