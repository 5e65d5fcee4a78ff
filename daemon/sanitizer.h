/* sanitizer.h - PACED_ASAN: 1 in a build with AddressSanitizer (and so its
 * leak checker), else 0. gcc's -fsanitize=address defines
 * __SANITIZE_ADDRESS__; clang 14 answers __has_feature only. */
#ifndef PACED_SANITIZER_H
#define PACED_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define PACED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PACED_ASAN 1
#endif
#endif
#ifndef PACED_ASAN
#define PACED_ASAN 0
#endif

#endif
