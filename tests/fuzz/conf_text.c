/* conf_text.c - conf_load() of text held in memory, through a memfd. */
#include "conf_text.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "paced.h"

int conf_text_load(const char *text, size_t len, struct conf **out,
		   char *err, size_t errlen)
{
	char path[64];
	size_t off = 0;
	int fd, rc;

	*out = NULL;
	fd = memfd_create("paced-fuzz.conf", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "memfd_create failed");
		return PACED_EIO;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n <= 0) {
			close(fd);
			snprintf(err, errlen, "writing the memfd failed");
			return PACED_EIO;
		}
		off += (size_t)n;
	}
	/* A fresh open of the path reads from offset 0 whatever this
	 * descriptor's offset is. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = conf_load(path, out, err, errlen);
	close(fd);
	return rc;
}
