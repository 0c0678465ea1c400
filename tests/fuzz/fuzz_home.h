/* A scratch home directory for the fuzz targets that read files. */
#ifndef DNASYNC_FUZZ_HOME_H
#define DNASYNC_FUZZ_HOME_H

/* Its path (borrowed, valid for the whole process); aborts when it cannot be made. */
const char *fuzz_home(void);

#endif
