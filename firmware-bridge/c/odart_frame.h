/*
 * odart_frame.h - ODART firmware frame protocol v1 encoder, single header, C99, no allocation.
 * Spec and test vectors: docs/firmware-protocol.md. Round-tripped through the bridge in its tests
 * (firmware-bridge/src/c-encoder.int.test.ts).
 *
 * Use: in ONE .c file
 *     #define ODART_FRAME_IMPLEMENTATION
 *     #include "odart_frame.h"
 * and include it plainly elsewhere. Values are fixed-point integers, so no floating point is needed:
 *     odart_vitals_t v = { .hr_x10 = 720, .spo2_x2 = 194, .rr_x10 = 145, .activity = 20, .on_body = ODART_ON_BODY_YES };
 *     uint8_t buf[ODART_FRAME_MAX];
 *     size_t n = odart_encode_vitals(buf, sizeof buf, "demo-wrist", seq++, now_ms, &v);
 *     if (n == 0) { ... a value out of range or the buffer too small ... }
 *
 * License: MIT, as the rest of the project.
 */
#ifndef ODART_FRAME_H
#define ODART_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ODART_FRAME_SYNC 0xA7u
#define ODART_FRAME_VERSION 1u
#define ODART_FRAME_MAX 51u      /* one LoRaWAN payload at EU868 DR0-DR2 */
#define ODART_ID_MAX 24u
#define ODART_FW_MAX 16u

#define ODART_TYPE_VITALS 1u
#define ODART_TYPE_PRESENCE 2u
#define ODART_TYPE_DOOR 3u
#define ODART_TYPE_BUTTON 4u
#define ODART_TYPE_STATUS 5u

/* "could not compute" markers */
#define ODART_NONE_U8 0xFFu
#define ODART_NONE_U16 0xFFFFu

#define ODART_ON_BODY_UNKNOWN 0
#define ODART_ON_BODY_NO 1
#define ODART_ON_BODY_YES 3

#define ODART_BUTTON_HELP 1u
#define ODART_BUTTON_OK 2u

typedef struct {
  uint16_t hr_x10;   /* heart rate, 0.1 beats/min, 0..3000, or ODART_NONE_U16 */
  uint8_t spo2_x2;   /* SpO2, 0.5 %, 0..200, or ODART_NONE_U8 */
  uint16_t rr_x10;   /* breathing rate, 0.1 breaths/min, 0..800 (0 = no breathing), or ODART_NONE_U16 */
  uint8_t activity;  /* movement intensity 0..100, or ODART_NONE_U8 */
  uint8_t on_body;   /* ODART_ON_BODY_UNKNOWN / _NO / _YES */
} odart_vitals_t;

/* Every encoder returns the frame length written to out, or 0 on a value out of range, a bad
 * device id (1..24 chars of [A-Za-z0-9_.-], not starting with . _ -) or a too small buffer.
 * ts_ms: device clock in ms since the Unix epoch (< 2^48), or 0 when the device has no clock. */
size_t odart_encode_vitals(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, const odart_vitals_t *v);
size_t odart_encode_presence(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, int occupied, uint8_t motion);
size_t odart_encode_door(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, int open);
size_t odart_encode_button(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, uint8_t action);
/* battery 0..100 or ODART_NONE_U8; fw NULL or up to 16 printable ASCII characters */
size_t odart_encode_status(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, int online, uint8_t battery, const char *fw);

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): odart_crc16("123456789", 9) == 0x29B1 */
uint16_t odart_crc16(const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* ODART_FRAME_H */

#ifdef ODART_FRAME_IMPLEMENTATION

uint16_t odart_crc16(const uint8_t *p, size_t n) {
  uint16_t crc = 0xFFFFu;
  size_t i;
  int k;
  for (i = 0; i < n; i++) {
    crc ^= (uint16_t)((uint16_t)p[i] << 8);
    for (k = 0; k < 8; k++) crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
  }
  return crc;
}

static int odart__id_char(char c, int first) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return 1;
  return !first && (c == '_' || c == '.' || c == '-');
}

/* Writes header + payload + CRC. Returns the frame length or 0. */
static size_t odart__frame(uint8_t *out, size_t cap, uint8_t type, const char *id, uint32_t seq, uint64_t ts_ms, const uint8_t *payload, size_t plen) {
  size_t idlen = 0, size, o, i;
  uint16_t crc;
  if (out == NULL || id == NULL) return 0;
  while (id[idlen] != '\0') {
    if (idlen >= ODART_ID_MAX || !odart__id_char(id[idlen], idlen == 0)) return 0;
    idlen++;
  }
  if (idlen == 0 || ts_ms > 0xFFFFFFFFFFFFull) return 0;
  size = 16u + idlen + plen;
  if (size > ODART_FRAME_MAX || size > cap) return 0;
  out[0] = ODART_FRAME_SYNC;
  out[1] = (uint8_t)((ODART_FRAME_VERSION << 4) | type);
  out[2] = (uint8_t)(size - 3u);
  out[3] = (uint8_t)idlen;
  for (i = 0; i < idlen; i++) out[4 + i] = (uint8_t)id[i];
  o = 4u + idlen;
  out[o++] = (uint8_t)(seq >> 24);
  out[o++] = (uint8_t)(seq >> 16);
  out[o++] = (uint8_t)(seq >> 8);
  out[o++] = (uint8_t)seq;
  for (i = 0; i < 6; i++) out[o++] = (uint8_t)(ts_ms >> (8u * (5u - i)));
  for (i = 0; i < plen; i++) out[o++] = payload[i];
  crc = odart_crc16(out, o);
  out[o++] = (uint8_t)(crc >> 8);
  out[o++] = (uint8_t)crc;
  return o;
}

size_t odart_encode_vitals(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, const odart_vitals_t *v) {
  uint8_t p[7];
  if (v == NULL) return 0;
  if ((v->hr_x10 != ODART_NONE_U16 && v->hr_x10 > 3000u) || (v->spo2_x2 != ODART_NONE_U8 && v->spo2_x2 > 200u) ||
      (v->rr_x10 != ODART_NONE_U16 && v->rr_x10 > 800u) || (v->activity != ODART_NONE_U8 && v->activity > 100u) ||
      (v->on_body != ODART_ON_BODY_UNKNOWN && v->on_body != ODART_ON_BODY_NO && v->on_body != ODART_ON_BODY_YES)) return 0;
  p[0] = (uint8_t)(v->hr_x10 >> 8);
  p[1] = (uint8_t)v->hr_x10;
  p[2] = v->spo2_x2;
  p[3] = (uint8_t)(v->rr_x10 >> 8);
  p[4] = (uint8_t)v->rr_x10;
  p[5] = v->activity;
  p[6] = v->on_body;
  return odart__frame(out, cap, ODART_TYPE_VITALS, device_id, seq, ts_ms, p, sizeof p);
}

size_t odart_encode_presence(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, int occupied, uint8_t motion) {
  uint8_t p[2];
  if (motion != ODART_NONE_U8 && motion > 100u) return 0;
  p[0] = occupied ? 1u : 0u;
  p[1] = motion;
  return odart__frame(out, cap, ODART_TYPE_PRESENCE, device_id, seq, ts_ms, p, sizeof p);
}

size_t odart_encode_door(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, int open) {
  uint8_t p[1];
  p[0] = open ? 1u : 0u;
  return odart__frame(out, cap, ODART_TYPE_DOOR, device_id, seq, ts_ms, p, sizeof p);
}

size_t odart_encode_button(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, uint8_t action) {
  uint8_t p[1];
  if (action != ODART_BUTTON_HELP && action != ODART_BUTTON_OK) return 0;
  p[0] = action;
  return odart__frame(out, cap, ODART_TYPE_BUTTON, device_id, seq, ts_ms, p, sizeof p);
}

size_t odart_encode_status(uint8_t *out, size_t cap, const char *device_id, uint32_t seq, uint64_t ts_ms, int online, uint8_t battery, const char *fw) {
  uint8_t p[2 + ODART_FW_MAX];
  size_t n = 0;
  if (battery != ODART_NONE_U8 && battery > 100u) return 0;
  p[0] = online ? 1u : 0u;
  p[1] = battery;
  if (fw != NULL) {
    while (fw[n] != '\0') {
      if (n >= ODART_FW_MAX || fw[n] < 0x20 || fw[n] > 0x7E) return 0;
      p[2 + n] = (uint8_t)fw[n];
      n++;
    }
  }
  return odart__frame(out, cap, ODART_TYPE_STATUS, device_id, seq, ts_ms, p, 2u + n);
}

#endif /* ODART_FRAME_IMPLEMENTATION */
