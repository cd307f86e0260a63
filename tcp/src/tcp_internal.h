/* Internal to haze-tcp (and its tests): not installed. */
#ifndef HAZE_TCP_INTERNAL_H
#define HAZE_TCP_INTERNAL_H

#include "haze/tcp.h"

/* CUBIC arithmetic (RFC 9438 4.2), integers only: floor of the cube
 * root; K in ms for a window reduced from wmax to cwnd (bytes, mss);
 * W_cubic(t) in bytes for t ms after the epoch start. */
uint64_t hz_tcp_cbrt(uint64_t x);
uint32_t hz_tcp_cubic_k(uint32_t wmax, uint32_t cwnd, uint32_t mss);
uint64_t hz_tcp_cubic_w(uint32_t origin, uint32_t k_ms, uint64_t t_ms, uint32_t mss);

/* The RFC 6675 scoreboard (tcp.c), exposed for the tests. smss is the
 * payload of one full segment.
 *  - update: record the SACK blocks of o (clipped to SND.UNA..SND.MAX,
 *    blocks reaching past SND.MAX ignored); returns the bytes newly SACKed.
 *  - prune: drop what SND.UNA now covers.
 *  - lost: IsLost(seq) (RFC 6675 4): more than (DupThresh - 1) * SMSS
 *    bytes SACKed above seq, or DupThresh ranges above it.
 *  - pipe: SetPipe() in bytes.
 *  - hole: NextSeg() rules 1 and 3: the next unSACKed range at or above
 *    HighRxt and below the highest SACKed byte, lost ones first; returns
 *    false when there is none. */
#define HZ_TCP_DUPTHRESH 3u
uint32_t hz_tcp_score_update(struct hz_tcp_conn *c, const struct hz_tcp_opts *o);
void hz_tcp_score_prune(struct hz_tcp_conn *c);
bool hz_tcp_score_lost(const struct hz_tcp_conn *c, uint32_t seq, uint32_t smss);
uint32_t hz_tcp_score_pipe(const struct hz_tcp_conn *c, uint32_t smss);
bool hz_tcp_score_hole(const struct hz_tcp_conn *c, uint32_t smss, uint32_t *seq, uint32_t *len);

#endif
