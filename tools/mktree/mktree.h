/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mktree - restart a checkpoint image: what its parts share.
 */
#ifndef MKTREE_H
#define MKTREE_H

/* The name messages start with */
extern const char *prog;

#endif /* MKTREE_H */
