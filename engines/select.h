/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Chooses the engine kind of a job from its option or its files.
 */
#ifndef BLK_SELECT_H
#define BLK_SELECT_H

#include "options.h"

struct thread_data;

/*
 * What kind a file is, judged from the file alone: BLK_KIND_AUTO when it is
 * none of ours. On BLK_KIND_AUTO, why[] says what the file is and what to
 * use instead.
 */
enum blk_kind blk_kind_of_file(const char *path, char *why, size_t why_len);

/*
 * The kind of the job: the blk_engine option, or the kind every file agrees
 * on. Logs an error naming the file and returns BLK_KIND_AUTO on failure.
 */
enum blk_kind blk_select_kind(struct thread_data *td);

#endif
