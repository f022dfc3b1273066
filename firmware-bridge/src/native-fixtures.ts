// Native payloads as the devices' own software publishes them, written from the documented exposes
// of zigbee-herdsman-converters (Zigbee2MQTT) and the ESPHome ld2410 / seeed_mr60bha2 components.
// Shared by the tests and the simulator's `--off-the-shelf` mode.

/** Aqara MCCGQ11LM door/window contact: exposes battery, voltage, device_temperature, power_outage_count, contact, linkquality. */
export const z2mContact = (contact: boolean, battery = 100) =>
  JSON.stringify({ battery, contact, device_temperature: 24, linkquality: 120, power_outage_count: 35, voltage: 3025 });

/** Aqara RTCGQ11LM motion (PIR): exposes occupancy, illuminance(_lux), battery, voltage, device_temperature, linkquality. */
export const z2mOccupancy = (occupancy: boolean, battery = 97) =>
  JSON.stringify({
    battery,
    device_temperature: 23,
    illuminance: 381,
    illuminance_lux: 381,
    linkquality: 150,
    occupancy,
    power_outage_count: 10,
    voltage: 3035,
  });

/** Aqara FP1 (RTCZCGQ11LM) mmWave presence: exposes presence, presence_event, region_id, device_temperature, linkquality. */
export const z2mPresence = (presence: boolean) =>
  JSON.stringify({
    presence,
    presence_event: presence ? 'enter' : 'leave',
    device_temperature: 30,
    power_outage_count: 2,
    linkquality: 96,
  });

/** Availability, Zigbee2MQTT >= 1.32 (JSON) and the legacy plain form. */
export const z2mAvailability = (state: 'online' | 'offline', legacy = false) => (legacy ? state : JSON.stringify({ state }));

/** ESPHome sensor state: the value with the entity's accuracy_decimals, or "nan". */
export const esphomeNumber = (v: number | null, decimals = 0) => (v === null || !Number.isFinite(v) ? 'nan' : v.toFixed(decimals));
