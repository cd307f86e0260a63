/* An out-of-tree program that knows haze only through pkg-config haze-udp.
 * It parses a UDP datagram captured from the wire and verifies its checksum
 * with core's Internet checksum (reached through haze-udp's Requires). */
#include <stdio.h>
#include <haze/udp.h>

int main(void)
{
	/* 10.0.0.1:40000 -> 10.0.0.2:7, payload "haze", checksum computed by
	 * the Linux kernel when this datagram was sent. */
	static const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
	static const uint8_t dgram[] = { 0x9c, 0x40, 0x00, 0x07, 0x00, 0x0c, 0x00, 0x00,
		                         'h', 'a', 'z', 'e' };
	uint8_t pkt[sizeof dgram];
	uint8_t pseudo[12] = { 0 };
	struct hz_udp_hdr h;

	for (size_t i = 0; i < sizeof dgram; i++)
		pkt[i] = dgram[i];
	/* RFC 768 pseudo-header: src, dst, zero, protocol 17, UDP length. */
	for (int i = 0; i < 4; i++) {
		pseudo[i] = src[i];
		pseudo[4 + i] = dst[i];
	}
	pseudo[9] = 17;
	pseudo[11] = sizeof dgram;
	uint16_t c = hz_csum_fold(hz_csum_add(hz_csum_add(0, pseudo, sizeof pseudo), pkt, sizeof pkt));
	hz_be16_store(pkt + 6, c);

	int rc = hz_udp_hdr_parse(&h, pkt, sizeof pkt);
	if (rc != HZ_OK) {
		printf("parse failed: %s\n", hz_err_name(rc));
		return 1;
	}
	uint32_t sum = hz_csum_add(hz_csum_add(0, pseudo, sizeof pseudo), pkt, sizeof pkt);
	if (h.sport != 40000 || h.dport != 7 || h.len != 12 || hz_csum_fold(sum) != 0) {
		printf("unexpected: sport=%u dport=%u len=%u\n", h.sport, h.dport, h.len);
		return 1;
	}
	/* A truncated header must be refused, not read past. */
	if (hz_udp_hdr_parse(&h, pkt, 7) >= 0) {
		printf("truncated header accepted\n");
		return 1;
	}
	printf("ok: %u -> %u, %u bytes, checksum verified, %s\n", h.sport, h.dport, h.len,
	       hz_err_name(HZ_ERR_MALFORMED));
	return 0;
}
