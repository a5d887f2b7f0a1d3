#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import: bind copies of the caller's bytes with this.
static inline void (*tw_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
