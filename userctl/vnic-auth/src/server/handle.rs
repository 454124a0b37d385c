//! The provider's handling of each message: Auth-REQ (admission, cookie,
//! OPAQUE's KE2), Auth-REP (KE3, the ID, Auth-GRANT), Auth-RST, expiries and
//! what cannot be decoded.
//!
//! Every datagram the provider sends answers one it received, and is no
//! larger than it: an Auth-REQ (576 bytes or more) gets one Auth-RETRY,
//! Auth-REP & REQ or Auth-RST of 576 bytes; a retransmitted one gets the
//! same answer again, at most `max_answers` times in all.

use std::net::SocketAddr;
use std::num::NonZeroU16;
use std::time::Instant;

use opaque_ke::{CredentialFinalization, CredentialRequest, ServerLogin, ServerLoginParameters};

use crate::crypto::{transcript, GrantKeys, Nonce, Sealed, NONCE_LEN};
use crate::error::{ErrorCode, WireError};
use crate::ids;
use crate::message::{self, AuthGrant, AuthRep, AuthRepReq, AuthReq, AuthRetry, AuthRst, Message};
use crate::opaque::{self, Rng, Suite};
use crate::random;
use crate::wire::{self, FIXED_LEN};
use crate::Transmit;

use super::backend::{Backend, Lookup};
use super::events::{DropReason, FailReason, Failure, ServerEvent, Session};
use super::exchanges::{Answered, Pending};
use super::Server;

const ZERO_NONCE: Nonce = [0; NONCE_LEN];
/// Version 1's largest message.
const V1_MAX_LEN: usize = 512;

impl Server {
    pub(super) fn dropped(&mut self, peer: SocketAddr, reason: DropReason) {
        self.events.push_back(ServerEvent::Dropped { peer, reason });
    }

    fn send(&mut self, to: SocketAddr, message: &Message) {
        if let Ok(data) = message.encode() {
            self.transmits.push_back(Transmit { to, data });
        }
    }

    fn send_rst(&mut self, to: SocketAddr, txid: u32, error: ErrorCode, nonce_c: Nonce, nonce_s: Nonce) {
        let rst = AuthRst { txid, error, nonce_c, nonce_s, ext: Vec::new() };
        self.send(to, &Message::Rst(rst));
    }

    fn fail(&mut self, peer: SocketAddr, names: Option<(&str, &str)>, reason: FailReason) {
        let (user, service) = names.map(|(u, s)| (u.to_owned(), s.to_owned())).unzip();
        self.events.push_back(ServerEvent::Failed(Failure { peer, user, service, reason }));
    }

    /// Answers what cannot be decoded with an Auth-RST no larger than the
    /// datagram, only if it starts with the magic and says it is a request
    /// (control flags exactly `req`: an answer is never answered, so two
    /// providers cannot be set to answer each other): a version 1 request
    /// (276-512 bytes) gets version 1's Auth-RST "unsupported version".
    pub(super) fn undecodable(&mut self, from: SocketAddr, data: &[u8], e: WireError) {
        let request = data.get(3) == Some(&crate::wire::Control::REQ.0);
        let Some((txid, nonce_c)) = wire::salvage(data).filter(|_| request) else {
            return self.dropped(from, DropReason::Malformed(e));
        };
        let reason = match &e {
            WireError::UnsupportedVersion(v) => FailReason::UnsupportedVersion(*v),
            WireError::NotAuth(_) => FailReason::UnsupportedApplication,
            e => FailReason::Malformed(e.clone()),
        };
        if matches!(reason, FailReason::UnsupportedVersion(1)) && data.len() <= V1_MAX_LEN {
            let data = message::v1_unsupported_version(txid, &nonce_c);
            self.transmits.push_back(Transmit { to: from, data });
        } else if data.len() >= FIXED_LEN {
            self.send_rst(from, txid, reason.code(), nonce_c, ZERO_NONCE);
        } else {
            // An answer would be larger than the datagram.
            return self.dropped(from, DropReason::Malformed(e));
        }
        self.fail(from, None, reason);
    }

    pub(super) fn on_req(&mut self, now: Instant, from: SocketAddr, req: AuthReq, data: &[u8], backend: &dyn Backend) {
        let max_answers = self.config.max_answers;
        if let Some(p) = self.exchanges.get_mut(&(from, req.txid)) {
            // A retransmitted Auth-REQ gets the same answer again.
            let answer = (p.req == data && p.answers < max_answers).then(|| {
                p.answers += 1;
                p.rr.clone()
            });
            match answer {
                Some(rr) => self.transmits.push_back(Transmit { to: from, data: rr }),
                None if p.req == data => self.dropped(from, DropReason::AnsweredEnough),
                None => self.dropped(from, DropReason::Unmatched),
            }
            return;
        }
        // No state and no public-key work before the source shows it
        // receives what is sent to it: every request needs its cookie.
        if !self.admission.cookie_valid(&req.cookie, from, req.txid, now) {
            let cookie = self.admission.cookie(from, req.txid, now);
            let retry = AuthRetry { txid: req.txid, nonce_c: req.nonce_c, cookie };
            return self.send(from, &Message::Retry(retry));
        }
        if let Err(reason) = self.admit(now, from, &req) {
            self.send_rst(from, req.txid, reason.code(), req.nonce_c, ZERO_NONCE);
            return self.fail(from, Some((&req.user, &req.service)), reason);
        }
        if self.replay.seen(&req.user, &req.nonce_c, now) {
            return self.dropped(from, DropReason::Replay);
        }
        if let Err(reason) = self.challenge(now, from, &req, data, backend) {
            self.send_rst(from, req.txid, reason.code(), req.nonce_c, ZERO_NONCE);
            self.fail(from, Some((&req.user, &req.service)), reason);
        }
    }

    /// The checks that need no crypto: lock-outs, the exchanges in progress,
    /// and whose session the request may ask for.
    fn admit(&self, now: Instant, from: SocketAddr, req: &AuthReq) -> Result<(), FailReason> {
        let source = from.ip().to_canonical();
        if self.admission.locked(source, &req.user, now)
            || self.exchanges.pending_from(from.ip()) >= self.config.max_pending_per_source
            || self.exchanges.for_user(&req.user) >= self.config.max_pending_per_user
        {
            return Err(FailReason::RateLimited);
        }
        if self.exchanges.len() >= self.config.max_pending {
            return Err(FailReason::Busy);
        }
        Ok(())
    }

    /// Looks the user up and answers with OPAQUE's KE2: the same work for a
    /// user that does not exist (OPAQUE's fake record) as for a real one.
    fn challenge(
        &mut self,
        now: Instant,
        from: SocketAddr,
        req: &AuthReq,
        data: &[u8],
        backend: &dyn Backend,
    ) -> Result<(), FailReason> {
        // An IPv4 client seen through a dual-stack socket is ::ffff:a.b.c.d.
        let source = from.ip().to_canonical();
        let client = req.client.map_or(source, |c| c.to_canonical());
        // Checked before the user is looked at, so the answer tells nothing
        // about users. Not counted: it costs no state and no crypto.
        if client != source && !backend.may_speak_for_others(source) {
            return Err(FailReason::ClientNotAllowed);
        }
        let (record, target, refusal) = match backend.lookup(&req.user, &req.service) {
            Lookup::Found { record, target } => (Some(record), target, None),
            Lookup::Refused { target, reason } => (None, target, Some(reason)),
            Lookup::NoSuchService => {
                self.admission.source_failed(source, now);
                return Err(FailReason::NoSuchService);
            }
            Lookup::Unavailable => return Err(FailReason::Unavailable),
        };
        let request = CredentialRequest::<Suite>::deserialize(&req.ke1)
            .map_err(|_| FailReason::Malformed(WireError::Field { message: "Auth-REQ", field: "KE1", rule: "must be a credential request" }))?;
        if !self.replay.insert(&req.user, &req.nonce_c, now) {
            return Err(FailReason::Busy);
        }
        let kdf = record.as_ref().map_or(self.config.fake_cost, |r| r.cost);
        let nonce_s: Nonce = random::array(self.rng.as_mut());
        let mut rr = AuthRepReq {
            txid: req.txid,
            service_addr: target.addr,
            service_port: target.port,
            user: req.user.clone(),
            service: req.service.clone(),
            nonce_c: req.nonce_c,
            nonce_s,
            kdf,
            ke2: Box::new([0; opaque::KE2_LEN]),
        };
        let rr0 = Message::RepReq(rr.clone()).encode().map_err(FailReason::Malformed)?;
        let context = transcript(&[data, &rr0]);
        let params = ServerLoginParameters { context: Some(&context), identifiers: opaque::identifiers(&req.user) };
        let start = ServerLogin::start(
            &mut Rng(self.rng.as_mut()),
            &self.config.keys.0,
            record.map(|r| r.file),
            request,
            req.user.as_bytes(),
            params,
        )
        .map_err(|_| FailReason::Internal("OPAQUE KE2".into()))?;
        let ke2 = start.message.serialize();
        rr.ke2.copy_from_slice(&ke2);
        let rr_bytes = Message::RepReq(rr).encode().map_err(FailReason::Malformed)?;
        self.transmits.push_back(Transmit { to: from, data: rr_bytes.clone() });
        let pending = Pending {
            user: req.user.clone(),
            service: req.service.clone(),
            client,
            nonce_c: req.nonce_c,
            nonce_s,
            req: data.to_vec(),
            rr: rr_bytes,
            context,
            login: start.state,
            target,
            refusal,
            expires: now + self.config.challenge_lifetime,
            answers: 1,
            ext: req.ext.clone(),
        };
        self.exchanges.insert((from, req.txid), pending);
        Ok(())
    }

    pub(super) fn on_rep(&mut self, now: Instant, from: SocketAddr, rep: AuthRep, data: &[u8], backend: &dyn Backend) {
        let key = (from, rep.txid);
        let max_answers = self.config.max_answers;
        if let Some(a) = self.exchanges.answered_mut(&key) {
            // The grant was lost: the same Auth-GRANT again.
            if a.rep == data && a.answers < max_answers {
                a.answers += 1;
                let grant = a.grant.clone();
                return self.transmits.push_back(Transmit { to: from, data: grant });
            }
            return self.dropped(from, DropReason::AnsweredEnough);
        }
        let Some(p) = self.exchanges.take(&key, &rep.nonce_c, &rep.nonce_s) else {
            return self.dropped(from, DropReason::Unmatched);
        };
        let source = from.ip().to_canonical();
        let names = (p.user.clone(), p.service.clone());
        let names = Some((names.0.as_str(), names.1.as_str()));
        let params = ServerLoginParameters { context: Some(&p.context), identifiers: opaque::identifiers(&p.user) };
        let finished = CredentialFinalization::<Suite>::deserialize(&rep.ke3)
            .ok()
            .and_then(|ke3| p.login.clone().finish(ke3, params).ok());
        let keys = finished.and_then(|f| GrantKeys::derive(&f.session_key).ok());
        let keys = match (keys, p.refusal) {
            (Some(keys), None) => keys,
            (_, refusal) => {
                // Wrong passcode, or a user refused (the fake record never
                // verifies): the guess counts against source and user.
                self.admission.failed(source, &p.user, p.has_record(), now);
                self.send_rst(from, rep.txid, ErrorCode::AUTH_FAILED, p.nonce_c, p.nonce_s);
                let reason = refusal.map_or(FailReason::BadClientProof, FailReason::from);
                return self.fail(from, names, reason);
            }
        };
        self.admission.succeeded(&p.user);
        let t_rr = transcript(&[&p.req, &p.rr]);
        let renew = keys
            .open_renew(&t_rr, &rep.renew)
            .and_then(NonZeroU16::new)
            .filter(|&id| backend.renewable(p.client, &p.user, p.target.vnic, id));
        // The ID is chosen only now, after the proof: nothing is held for
        // an exchange before it.
        let vnic = p.target.vnic;
        let id = renew.or_else(|| ids::allocate(self.rng.as_mut(), &|id| !backend.id_free(vnic, id)));
        let Some(id) = id else {
            self.send_rst(from, rep.txid, ErrorCode::NO_FREE_ID, p.nonce_c, p.nonce_s);
            return self.fail(from, names, FailReason::NoFreeId);
        };
        let sealed = keys.seal_grant(&transcript(&[&p.req, &p.rr, data]), id.get(), vnic);
        let grant = sealed.ok().map(|sealed: Sealed| AuthGrant { txid: rep.txid, nonce_c: p.nonce_c, nonce_s: p.nonce_s, sealed });
        let Some(grant) = grant.and_then(|g| Message::Grant(g).encode().ok()) else {
            return self.fail(from, names, FailReason::Internal("sealing the grant".into()));
        };
        self.transmits.push_back(Transmit { to: from, data: grant.clone() });
        let until = now + self.config.challenge_lifetime;
        self.exchanges.remember(key, Answered { rep: data.to_vec(), grant, until, answers: 1 });
        let session = Session { peer: from, user: p.user, service: p.service, client: p.client, id, target: p.target, ext: p.ext };
        self.events.push_back(ServerEvent::Granted(session));
    }

    pub(super) fn on_rst(&mut self, now: Instant, from: SocketAddr, rst: AuthRst) {
        let Some(p) = self.exchanges.take(&(from, rst.txid), &rst.nonce_c, &rst.nonce_s) else {
            return self.dropped(from, DropReason::Unmatched);
        };
        // The client saw KE2, which tests one guess: whatever its code, the
        // reset counts against source and user.
        self.admission.failed(from.ip(), &p.user, p.has_record(), now);
        let reason = match (p.refusal, rst.error) {
            (Some(refusal), _) => FailReason::from(refusal),
            (None, ErrorCode::AUTH_FAILED) => FailReason::WrongPasscode,
            (None, code) => FailReason::ClientReset(code),
        };
        self.fail(from, Some((&p.user, &p.service)), reason);
    }

    /// Ends the exchanges whose time is up. Nothing is sent; an abandoned
    /// exchange counts against source and user like a wrong passcode, since
    /// its Auth-REP & REQ let the client test one guess.
    pub(super) fn expire(&mut self, now: Instant) {
        for ((peer, _), p) in self.exchanges.expired(now) {
            self.admission.failed(peer.ip(), &p.user, p.has_record(), now);
            let reason = p.refusal.map_or(FailReason::Timeout, FailReason::from);
            self.fail(peer, Some((&p.user, &p.service)), reason);
        }
    }
}
