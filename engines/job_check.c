// SPDX-License-Identifier: GPL-2.0-only
/*
 * Start-up checks of a fio job shared by the engine kinds.
 */
#include <errno.h>

#include "fio.h"

#include "job_check.h"

bool blk_job_uses(struct thread_data *td, int ddir)
{
	switch (ddir) {
	case DDIR_READ:
		return td_read(td) || td->o.do_verify;
	case DDIR_WRITE:
		return td_write(td);
	case DDIR_TRIM:
		return td_trim(td);
	default:
		return false;
	}
}

static int check_one(const char *path, const char *opt, unsigned long long val, uint32_t unit,
		     const char *what)
{
	if (!(val % unit))
		return 0;
	log_err("blkengine: %s: %s=%llu is not a multiple of the %s's logical block size (%u bytes); use a multiple of %u\n",
		path, opt, val, what, unit, unit);
	return -EINVAL;
}

int blk_job_check_alignment(struct thread_data *td, const char *path, uint32_t unit,
			    const char *what)
{
	struct thread_options *o = &td->o;
	const char *opt;
	unsigned int i;
	int d;

	if (o->bs_unaligned) {
		log_err("blkengine: %s: bs_unaligned cannot be used: every I/O must be a multiple of the %s's logical block size (%u bytes)\n",
			path, what, unit);
		return -EINVAL;
	}
	for (d = DDIR_READ; d < DDIR_RWDIR_CNT; d++) {
		if (!blk_job_uses(td, d))
			continue;
		/* bssplit sets the range too: name the option the user wrote. */
		for (i = 0; i < o->bssplit_nr[d]; i++)
			if (check_one(path, "bssplit", o->bssplit[d][i].bs, unit, what))
				return -EINVAL;
		/*
		 * fio issues sizes from min_bs..max_bs (bs= sets both; bs[]
		 * keeps its default under bsrange=): name what the user wrote.
		 */
		opt = o->min_bs[d] == o->max_bs[d] ? "bs" : "bsrange";
		if (check_one(path, opt, o->min_bs[d], unit, what) ||
		    check_one(path, opt, o->max_bs[d], unit, what) ||
		    check_one(path, "blockalign", o->ba[d], unit, what))
			return -EINVAL;
	}
	if (check_one(path, "offset", o->start_offset, unit, what) ||
	    check_one(path, "offset_increment", o->offset_increment, unit, what))
		return -EINVAL;
	return 0;
}

unsigned long long blk_job_max_data_bs(struct thread_data *td)
{
	unsigned long long bs = 0;

	if (blk_job_uses(td, DDIR_READ))
		bs = td->o.max_bs[DDIR_READ];
	if (blk_job_uses(td, DDIR_WRITE) && td->o.max_bs[DDIR_WRITE] > bs)
		bs = td->o.max_bs[DDIR_WRITE];
	return bs;
}

bool blk_job_bufs_aligned(struct thread_data *td, unsigned int page)
{
	return !(td->o.mem_align % page) && !(td_max_bs(td) % page);
}

bool blk_job_unpaced(struct thread_data *td)
{
	struct thread_options *o = &td->o;
	unsigned int d;

	if (o->thinktime || o->read_iolog_file || o->flow)
		return false;
	for (d = 0; d < DDIR_RWDIR_CNT; d++)
		if (o->rate[d] || o->rate_iops[d] || o->ratemin[d] || o->rate_iops_min[d])
			return false;
	return true;
}
