#ifndef LOGARCHIVE_CPROCESSSPAWN_SHIM_H
#define LOGARCHIVE_CPROCESSSPAWN_SHIM_H

#include <fcntl.h>
#include <spawn.h>

/* glibc's descriptor calls that set close-on-exec atomically, and its spawn file actions for a
   working directory and for closing every inherited descriptor, are GNU extensions that Swift's
   Glibc module does not declare (no _GNU_SOURCE). ChildProcess needs them so that no child started
   by another thread at the same moment inherits a descriptor meant for one child only. */
int pipe2(int descriptors[2], int flags);
int mkostemp(char *template_path, int flags);
int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

/* A pipe whose two ends are close-on-exec from the moment they exist. */
static inline int logarchive_pipe_cloexec(int descriptors[2]) {
    return pipe2(descriptors, O_CLOEXEC);
}

/* mkstemp, with the descriptor close-on-exec from the moment it exists. */
static inline int logarchive_mkstemp_cloexec(char *template_path) {
    return mkostemp(template_path, O_CLOEXEC);
}

static inline int logarchive_spawn_add_chdir(void *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np((posix_spawn_file_actions_t *)actions, path);
}

static inline int logarchive_spawn_add_closefrom(void *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, from);
}

#endif
