#define _GNU_SOURCE
#include "CFileWriteback.h"

#if defined(__linux__)
#include <fcntl.h>

int cfilewriteback_start(int fd) {
    return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}
#else
int cfilewriteback_start(int fd) {
    (void)fd;
    return 0;
}
#endif
