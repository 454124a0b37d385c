//! RFC 9807's own test vector for our cipher suite: Appendix C.1.1,
//! "OPAQUE-3DH Real Test Vector 1" (OPRF ristretto255-SHA512, 3DH over
//! ristretto255 with SHA-512, no identities, context "OPAQUE-POC"). It
//! uses the Identity key-stretching function; vnic's suite is the same with
//! argon2id in its place, so this pins the group, hash, OPRF, key exchange
//! and message layout we depend on (`vnic_auth::opaque`) to the RFC, byte
//! for byte, through `opaque-ke`'s public API: every random value the RFC
//! fixes is fed in the order the library draws it.

use opaque_ke::ksf::Identity;
use opaque_ke::rand::{CryptoRng, Error as RandError, RngCore};
use opaque_ke::{
    CipherSuite, ClientLogin, ClientLoginFinishParameters, ClientRegistration,
    ClientRegistrationFinishParameters, CredentialFinalization, CredentialRequest,
    CredentialResponse, RegistrationRequest, RegistrationUpload, Ristretto255, ServerLogin,
    ServerLoginParameters, ServerRegistration, ServerSetup, TripleDh,
};
use vnic_auth::opaque::{KE1_LEN, KE2_LEN, KE3_LEN, RECORD_LEN};

/// vnic's suite with RFC 9807's test KSF.
struct RfcSuite;

impl CipherSuite for RfcSuite {
    type OprfCs = Ristretto255;
    type KeyExchange = TripleDh<Ristretto255, sha2::Sha512>;
    type Ksf = Identity;
}

/// Hands out the given bytes in order and fails the test if more are drawn.
struct Script(Vec<u8>);

impl Script {
    fn new(parts: &[&[u8]]) -> Script {
        Script(parts.concat())
    }
    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

impl RngCore for Script {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        assert!(dest.len() <= self.0.len(), "the library drew more randomness than the vector fixes");
        dest.copy_from_slice(&self.0[..dest.len()]);
        self.0.drain(..dest.len());
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RandError> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for Script {}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

/// A 32-byte scalar as the 64 uniform bytes the OPRF reduces (it is
/// canonical, so it reduces to itself).
fn wide(scalar: &[u8]) -> Vec<u8> {
    [scalar, &[0u8; 32]].concat()
}

// RFC 9807, C.1.1.2 Input Values.
const OPRF_SEED: &str = "f433d0227b0b9dd54f7c4422b600e764e47fb503f1f9a0f0a47c6606b054a7fdc65347f1a08f277e22358bbabe26f823fca82c7848e9a75661f4ec5d5c1989ef";
const CREDENTIAL_IDENTIFIER: &str = "31323334";
const PASSWORD: &str = "436f7272656374486f72736542617474657279537461706c65";
const ENVELOPE_NONCE: &str = "ac13171b2f17bc2c74997f0fce1e1f35bec6b91fe2e12dbd323d23ba7a38dfec";
const MASKING_NONCE: &str = "38fe59af0df2c79f57b8780278f5ae47355fe1f817119041951c80f612fdfc6d";
const SERVER_PRIVATE_KEY: &str = "47451a85372f8b3537e249d7b54188091fb18edde78094b43e2ba42b5eb89f0d";
const SERVER_PUBLIC_KEY: &str = "b2fe7af9f48cc502d016729d2fe25cdd433f2c4bc904660b2a382c9b79df1a78";
const SERVER_NONCE: &str = "71cd9960ecef2fe0d0f7494986fa3d8b2bb01963537e60efb13981e138e3d4a1";
const CLIENT_NONCE: &str = "da7e07376d6d6f034cfa9bb537d11b8c6b4238c334333d1f0aebb380cae6a6cc";
const CLIENT_KEYSHARE_SEED: &str = "82850a697b42a505f5b68fcdafce8c31f0af2b581f063cf1091933541936304b";
const SERVER_KEYSHARE_SEED: &str = "05a4f54206eef1ba2f615bc0aa285cb22f26d1153b5b40a1e85ff80da12f982f";
const BLIND_REGISTRATION: &str = "76cfbfe758db884bebb33582331ba9f159720ca8784a2a070a265d9c2d6abe01";
const BLIND_LOGIN: &str = "6ecc102d2e7a7cf49617aad7bbe188556792d4acd60a1a8a8d2b65d4b0790308";
const CONTEXT: &str = "4f50415155452d504f43";

// RFC 9807, C.1.1.4 Output Values.
const REGISTRATION_REQUEST: &str = "5059ff249eb1551b7ce4991f3336205bde44a105a032e747d21bf382e75f7a71";
const REGISTRATION_RESPONSE: &str = "7408a268083e03abc7097fc05b587834539065e86fb0c7b6342fcf5e01e5b019b2fe7af9f48cc502d016729d2fe25cdd433f2c4bc904660b2a382c9b79df1a78";
const REGISTRATION_UPLOAD: &str = "76a845464c68a5d2f7e442436bb1424953b17d3e2e289ccbaccafb57ac5c36751ac5844383c7708077dea41cbefe2fa15724f449e535dd7dd562e66f5ecfb95864eadddec9db5874959905117dad40a4524111849799281fefe3c51fa82785c5ac13171b2f17bc2c74997f0fce1e1f35bec6b91fe2e12dbd323d23ba7a38dfec634b0f5b96109c198a8027da51854c35bee90d1e1c781806d07d49b76de6a28b8d9e9b6c93b9f8b64d16dddd9c5bfb5fea48ee8fd2f75012a8b308605cdd8ba5";
const KE1: &str = "c4dedb0ba6ed5d965d6f250fbe554cd45cba5dfcce3ce836e4aee778aa3cd44dda7e07376d6d6f034cfa9bb537d11b8c6b4238c334333d1f0aebb380cae6a6cc6e29bee50701498605b2c085d7b241ca15ba5c32027dd21ba420b94ce60da326";
const KE2: &str = "7e308140890bcde30cbcea28b01ea1ecfbd077cff62c4def8efa075aabcbb47138fe59af0df2c79f57b8780278f5ae47355fe1f817119041951c80f612fdfc6dd6ec60bcdb26dc455ddf3e718f1020490c192d70dfc7e403981179d8073d1146a4f9aa1ced4e4cd984c657eb3b54ced3848326f70331953d91b02535af44d9fedc80188ca46743c52786e0382f95ad85c08f6afcd1ccfbff95e2bdeb015b166c6b20b92f832cc6df01e0b86a7efd92c1c804ff865781fa93f2f20b446c8371b671cd9960ecef2fe0d0f7494986fa3d8b2bb01963537e60efb13981e138e3d4a1c4f62198a9d6fa9170c42c3c71f1971b29eb1d5d0bd733e40816c91f7912cc4a660c48dae03e57aaa38f3d0cffcfc21852ebc8b405d15bd6744945ba1a93438a162b6111699d98a16bb55b7bdddfe0fc5608b23da246e7bd73b47369169c5c90";
const KE3: &str = "4455df4f810ac31a6748835888564b536e6da5d9944dfea9e34defb9575fe5e2661ef61d2ae3929bcf57e53d464113d364365eb7d1a57b629707ca48da18e442";
const EXPORT_KEY: &str = "1ef15b4fa99e8a852412450ab78713aad30d21fa6966c9b8c9fb3262a970dc62950d4dd4ed62598229b1b72794fc0335199d9f7fcc6eaedde92cc04870e63f16";
const SESSION_KEY: &str = "42afde6f5aca0cfa5c163763fbad55e73a41db6b41bc87b8e7b62214a8eedc6731fa3cb857d657ab9b3764b89a84e91ebcb4785166fbb02cedfcbdfda215b96f";

#[test]
fn opaque_ke_reproduces_rfc_9807_vector_c_1_1() {
    let password = h(PASSWORD);
    let credential_identifier = h(CREDENTIAL_IDENTIFIER);
    let context = h(CONTEXT);
    // The server setup: OPRF seed, private key, and (unused here) the fake
    // records' public key.
    let setup_bytes = [h(OPRF_SEED), h(SERVER_PRIVATE_KEY), h(SERVER_PUBLIC_KEY)].concat();
    let setup = ServerSetup::<RfcSuite>::deserialize(&setup_bytes).expect("server setup");

    // Registration.
    let mut rng = Script::new(&[&wide(&h(BLIND_REGISTRATION)), &h(ENVELOPE_NONCE)]);
    let start = ClientRegistration::<RfcSuite>::start(&mut rng, &password).expect("registration start");
    assert_eq!(hex::encode(start.message.serialize()), REGISTRATION_REQUEST);
    let request = RegistrationRequest::deserialize(&start.message.serialize()).unwrap();
    let response = ServerRegistration::start(&setup, request, &credential_identifier).expect("response");
    assert_eq!(hex::encode(response.message.serialize()), REGISTRATION_RESPONSE);
    let finish = start
        .state
        .finish(&mut rng, &password, response.message, ClientRegistrationFinishParameters::default())
        .expect("registration finish");
    assert!(rng.done());
    assert_eq!(hex::encode(finish.message.serialize()), REGISTRATION_UPLOAD);
    assert_eq!(hex::encode(finish.export_key), EXPORT_KEY);
    let upload = RegistrationUpload::<RfcSuite>::deserialize(&finish.message.serialize()).unwrap();
    let record = ServerRegistration::finish(upload);
    assert_eq!(record.serialize().len(), RECORD_LEN, "vnic's record size");

    // Login.
    let mut client_rng = Script::new(&[&wide(&h(BLIND_LOGIN)), &h(CLIENT_KEYSHARE_SEED), &h(CLIENT_NONCE)]);
    let login = ClientLogin::<RfcSuite>::start(&mut client_rng, &password).expect("login start");
    assert_eq!(hex::encode(login.message.serialize()), KE1);
    assert_eq!(login.message.serialize().len(), KE1_LEN);
    // The provider draws a fake record's masking key whether or not the
    // user exists (constant time), then the masking nonce, its key share
    // seed and its nonce.
    let mut server_rng = Script::new(&[&[0u8; 64], &h(MASKING_NONCE), &h(SERVER_KEYSHARE_SEED), &h(SERVER_NONCE)]);
    let params = ServerLoginParameters { context: Some(&context), ..Default::default() };
    let ke1 = CredentialRequest::deserialize(&login.message.serialize()).unwrap();
    let server = ServerLogin::start(&mut server_rng, &setup, Some(record), ke1, &credential_identifier, params.clone())
        .expect("server login start");
    assert!(server_rng.done());
    assert_eq!(hex::encode(server.message.serialize()), KE2);
    assert_eq!(server.message.serialize().len(), KE2_LEN);
    let ke2 = CredentialResponse::deserialize(&server.message.serialize()).unwrap();
    let client_params = ClientLoginFinishParameters::new(Some(&context), Default::default(), None);
    let done = login
        .state
        .finish(&mut client_rng, &password, ke2, client_params)
        .expect("login finish");
    assert_eq!(hex::encode(done.message.serialize()), KE3);
    assert_eq!(done.message.serialize().len(), KE3_LEN);
    assert_eq!(hex::encode(done.session_key), SESSION_KEY);
    assert_eq!(hex::encode(done.export_key), EXPORT_KEY);
    let ke3 = CredentialFinalization::deserialize(&done.message.serialize()).unwrap();
    let session = server.state.finish(ke3, params).expect("server login finish");
    assert_eq!(hex::encode(session.session_key), SESSION_KEY);
}
