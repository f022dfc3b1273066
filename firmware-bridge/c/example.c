/* Test driver for odart_frame.h: encodes the published test vectors (docs/firmware-protocol.md)
 * and an overdose-like sequence, writing the raw frames to stdout as one byte stream, or as hex
 * lines with --hex. The bridge tests compile it with `cc -std=c99 -Wall -Wextra -Werror -pedantic`. */
#define ODART_FRAME_IMPLEMENTATION
#include "odart_frame.h"

#include <stdio.h>
#include <string.h>

static int hex_mode = 0;
static int failures = 0;

static void emit(const uint8_t *buf, size_t n) {
  size_t i;
  if (n == 0) {
    failures++;
    return;
  }
  if (hex_mode) {
    for (i = 0; i < n; i++) printf("%02x", buf[i]);
    printf("\n");
  } else {
    fwrite(buf, 1, n, stdout);
  }
}

int main(int argc, char **argv) {
  uint8_t buf[ODART_FRAME_MAX];
  const uint64_t t = 1767225600000ull; /* 2026-01-01T00:00:00Z */
  uint32_t s;
  odart_vitals_t v1 = {720, 194, 145, 20, ODART_ON_BODY_YES};
  odart_vitals_t v2 = {ODART_NONE_U16, 177, 0, ODART_NONE_U8, ODART_ON_BODY_UNKNOWN};
  odart_vitals_t bad = {3001, 0, 0, 0, ODART_ON_BODY_YES};
  hex_mode = argc > 1 && strcmp(argv[1], "--hex") == 0;

  if (odart_crc16((const uint8_t *)"123456789", 9) != 0x29B1u) return 3;
  /* what must be refused */
  if (odart_encode_vitals(buf, sizeof buf, "demo-wrist", 1, t, &bad) != 0) return 4;
  if (odart_encode_door(buf, sizeof buf, "a/b", 1, t, 1) != 0) return 4;
  if (odart_encode_door(buf, sizeof buf, "abcdefghijklmnopqrstuvwxy", 1, t, 1) != 0) return 4;
  if (odart_encode_door(buf, 10, "demo-room", 1, t, 1) != 0) return 4;

  /* the six published test vectors, in order */
  emit(buf, odart_encode_vitals(buf, sizeof buf, "demo-wrist", 1, t, &v1));
  emit(buf, odart_encode_vitals(buf, sizeof buf, "demo-wrist", 2, t + 1000, &v2));
  emit(buf, odart_encode_presence(buf, sizeof buf, "demo-room", 7, t, 1, 3));
  emit(buf, odart_encode_door(buf, sizeof buf, "demo-room", 8, 0, 0));
  emit(buf, odart_encode_button(buf, sizeof buf, "w1", 0xFFFFFFFFu, t, ODART_BUTTON_HELP));
  emit(buf, odart_encode_status(buf, sizeof buf, "demo-wrist", 3, t, 1, 87, "1.2.0"));

  /* ten seconds of falling breathing from demo-wrist, then a help press */
  for (s = 0; s < 10; s++) {
    odart_vitals_t v = {780, 190, (uint16_t)(80 - 8 * s), 10, ODART_ON_BODY_YES};
    emit(buf, odart_encode_vitals(buf, sizeof buf, "demo-wrist", 100 + s, t + 10000u + 1000u * s, &v));
  }
  emit(buf, odart_encode_button(buf, sizeof buf, "demo-wrist", 110, t + 20000u, ODART_BUTTON_HELP));
  return failures == 0 ? 0 : 5;
}
