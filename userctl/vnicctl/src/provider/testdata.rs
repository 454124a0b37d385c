//! A configuration for the unit tests of the provider's modules.

/// A stored passcode of the test cost (its key is not a real derivation).
pub const HASH: &str = "argon2id$m=64,t=1,p=1$00112233445566778899aabbccddeeff$\
                        000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// vnic1 (fixed ID 1, http:80), vnic2 (IDs 100-199, http:80 and ssh:22),
/// alice (vnic1 and vnic2's ssh) and bob (vnic2's http); `extra` goes to
/// the top level.
pub fn sample(extra: &str) -> String {
    format!(
        r#"
relay = "relay0"
data_dir = "/var/lib/vnic"
{extra}
[[vnic]]
name = "vnic1"
number = 1
id = 1
services = [{{ name = "http", port = 80 }}]

[[vnic]]
name = "vnic2"
number = 2
ids = "100-199"
services = [{{ name = "http", port = 80 }}, {{ name = "ssh", port = 22 }}]

[[user]]
name = "alice"
passcode = "{HASH}"
allow = ["vnic1", "vnic2:ssh"]

[[user]]
name = "bob"
passcode = "{HASH}"
allow = ["vnic2:http"]
"#
    )
}
