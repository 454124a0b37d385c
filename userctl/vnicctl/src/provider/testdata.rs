//! A configuration for the unit tests of the provider's modules.

/// A record of the test cost (the same one for the whole test run).
pub fn hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let keys = vnic_auth::ProviderKeys::generate(&mut vnic_auth::OsRandom);
        let record = vnic_auth::Record::register(&keys, "alice", b"test", vnic_auth::Argon2Cost::TEST, &mut vnic_auth::OsRandom);
        record.expect("a record").to_string()
    })
}

/// vnic1 (fixed ID 1, http:80), vnic2 (IDs 100-199, http:80 and ssh:22),
/// alice (vnic1 and vnic2's ssh) and bob (vnic2's http); `extra` goes to
/// the top level.
pub fn sample(extra: &str) -> String {
    let hash = hash();
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
passcode = "{hash}"
allow = ["vnic1", "vnic2:ssh"]

[[user]]
name = "bob"
passcode = "{hash}"
allow = ["vnic2:http"]
"#
    )
}
