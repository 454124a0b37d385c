//! The decoder on arbitrary bytes: it must not panic, and whatever it
//! accepts must encode back to the same bytes (the encoding is canonical).

#![no_main]

use libfuzzer_sys::fuzz_target;
use vnic_auth::{Message, Packet};

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = Packet::decode(data) else {
        return;
    };
    assert_eq!(packet.encode().as_deref(), Ok(data), "packet round trip");
    if let Ok(message) = Message::from_packet(packet) {
        assert_eq!(message.encode().as_deref(), Ok(data), "message round trip");
    }
});
