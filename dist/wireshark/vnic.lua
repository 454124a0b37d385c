-- vnic.lua: Wireshark/tshark dissector for vnic.
--
--   * vnic_auth: the cooperative UDP messages of Documentation/auth-protocol.md
--     version 2 (Auth-REQ, Auth-RETRY, Auth-REP & REQ, Auth-REP, Auth-GRANT,
--     Auth-RST), on UDP port 7390 and, by the magic "VN" version 2, on any
--     UDP port; a version 1 message shows its header only. Every field has the name
--     auth-protocol.md gives it: vnic_auth.txid, vnic_auth.user, ...
--   * vnic: a post-dissector naming the ID a TCP segment carries: the
--     urgent pointer with URG clear (vnic.id, "vnic ID n" in the tree and
--     the Info column).
--
-- Use: tshark -X lua_script:vnic.lua ..., or copy it into
-- ~/.local/lib/wireshark/plugins/ (make install puts it under
-- share/doc/vnic/wireshark/). Port other than 7390:
-- "Decode As... vnic_auth", or -o vnic_auth.port:N.

local auth = Proto("vnic_auth", "vnic cooperative application (authentication)")

local kinds = {
    [0x01] = "Auth-REQ", [0x04] = "Auth-RETRY", [0x03] = "Auth-REP & REQ", [0x02] = "Auth-REP",
    [0x12] = "Auth-GRANT", [0x0c] = "Auth-RST",
}
local sender_kinds = { [0] = "none", [1] = "info_client", [2] = "info_vNIC" }
local families = { [0] = "none", [4] = "IPv4", [6] = "IPv6" }
local kdfs = { [0] = "none", [1] = "argon2id v0x13" }
local errors = {
    [1] = "AUTH_FAILED", [2] = "NO_SUCH_SERVICE", [3] = "RATE_LIMITED", [4] = "BUSY",
    [5] = "NO_FREE_ID", [6] = "TIMEOUT", [7] = "UNSUPPORTED_VERSION", [8] = "MALFORMED",
    [9] = "UNSUPPORTED_APPLICATION", [10] = "KDF_REFUSED", [11] = "INTERNAL", [12] = "CLIENT_NOT_ALLOWED",
}
local tlv_types = {}

local F = {
    message = ProtoField.string("vnic_auth.message", "Message"),
    magic = ProtoField.string("vnic_auth.magic", "Magic"),
    version = ProtoField.uint8("vnic_auth.version", "Version"),
    control_flags = ProtoField.uint8("vnic_auth.control_flags", "Control flags", base.HEX),
    flag_req = ProtoField.bool("vnic_auth.control_flags.req", "req", 8, nil, 0x01),
    flag_rep = ProtoField.bool("vnic_auth.control_flags.rep", "rep", 8, nil, 0x02),
    flag_rst = ProtoField.bool("vnic_auth.control_flags.rst", "rst", 8, nil, 0x04),
    flag_error = ProtoField.bool("vnic_auth.control_flags.error", "error", 8, nil, 0x08),
    flag_grant = ProtoField.bool("vnic_auth.control_flags.grant", "grant", 8, nil, 0x10),
    coop_flags = ProtoField.uint16("vnic_auth.cooperative_flags", "Cooperative flags", base.HEX),
    coop_auth = ProtoField.bool("vnic_auth.cooperative_flags.auth", "auth", 16, nil, 0x0001),
    error_code = ProtoField.uint16("vnic_auth.error_code", "Error code", base.DEC, errors),
    txid = ProtoField.uint32("vnic_auth.txid", "Transaction id", base.HEX),
    ext_len = ProtoField.uint16("vnic_auth.extension_length", "Extension length"),
    reserved = ProtoField.bytes("vnic_auth.reserved", "Reserved"),
    sender_kind = ProtoField.uint8("vnic_auth.sender_kind", "Sender kind", base.DEC, sender_kinds),
    family = ProtoField.uint8("vnic_auth.address_family", "Address family", base.DEC, families),
    port = ProtoField.uint16("vnic_auth.port", "Port"),
    addr4 = ProtoField.ipv4("vnic_auth.address", "Address"),
    addr6 = ProtoField.ipv6("vnic_auth.address6", "Address"),
    user_len = ProtoField.uint8("vnic_auth.user_length", "User length"),
    user = ProtoField.string("vnic_auth.user", "User"),
    service_len = ProtoField.uint8("vnic_auth.service_length", "Service length"),
    service = ProtoField.string("vnic_auth.service", "Service"),
    nonce_c = ProtoField.bytes("vnic_auth.nonce_c", "Client nonce Nc"),
    nonce_s = ProtoField.bytes("vnic_auth.nonce_s", "Server nonce Ns"),
    kdf = ProtoField.uint8("vnic_auth.kdf", "kdf", base.DEC, kdfs),
    argon2_p = ProtoField.uint8("vnic_auth.argon2_p", "argon2 p (lanes)"),
    argon2_t = ProtoField.uint16("vnic_auth.argon2_t", "argon2 t (iterations)"),
    argon2_m = ProtoField.uint32("vnic_auth.argon2_m", "argon2 m (KiB)"),
    cookie = ProtoField.bytes("vnic_auth.cookie", "Cookie"),
    id = ProtoField.uint16("vnic_auth.id", "id (sealed)", base.HEX),
    vnic = ProtoField.uint16("vnic_auth.vnic", "vNIC number (sealed)", base.HEX),
    tag = ProtoField.bytes("vnic_auth.tag", "Tag"),
    opaque = ProtoField.bytes("vnic_auth.opaque", "OPAQUE (KE1, KE2 or KE3)"),
    tlv = ProtoField.bytes("vnic_auth.tlv", "Extension"),
    tlv_type = ProtoField.uint16("vnic_auth.tlv.type", "Type", base.HEX, tlv_types),
    tlv_len = ProtoField.uint16("vnic_auth.tlv.length", "Length"),
    tlv_value = ProtoField.bytes("vnic_auth.tlv.value", "Value"),
}
auth.fields = {}
for _, f in pairs(F) do table.insert(auth.fields, f) end

local E = {
    short = ProtoExpert.new("vnic_auth.short", "Shorter than the 576-byte fixed part of version 2", expert.group.MALFORMED, expert.severity.ERROR),
    ext_len = ProtoExpert.new("vnic_auth.ext_len", "Extension length does not match the datagram", expert.group.MALFORMED, expert.severity.ERROR),
    tlv = ProtoExpert.new("vnic_auth.tlv_overrun", "Extension runs past the datagram", expert.group.MALFORMED, expert.severity.ERROR),
}
auth.experts = { E.short, E.ext_len, E.tlv }

auth.prefs.port = Pref.uint("UDP port", 7390, "The provider's UDP port")

local FIXED = 576

-- A name slot: length byte at `off`, then `size` bytes, zero-padded.
local function name(tree, buf, off, size, f_len, f_name)
    local n = buf(off, 1):uint()
    tree:add(f_len, buf(off, 1))
    local shown = math.min(n, size)
    if shown > 0 then
        tree:add(f_name, buf(off + 1, shown), buf(off + 1, shown):string(ENC_UTF_8))
    end
    return buf(off + 1, shown):string(ENC_UTF_8)
end

local function dissect(buf, pinfo, root)
    local len = buf:len()
    if len < 16 or buf(0, 2):string() ~= "VN" then return 0 end
    pinfo.cols.protocol = "vnic_auth"
    local flags = buf(3, 1):uint()
    local kind = kinds[flags] or string.format("unknown (control flags 0x%02x)", flags)
    local tree = root:add(auth, buf(), "vnic authentication, " .. kind)
    tree:add(F.message, kind):set_generated()
    tree:add(F.magic, buf(0, 2))
    tree:add(F.version, buf(2, 1))
    local cf = tree:add(F.control_flags, buf(3, 1))
    cf:add(F.flag_req, buf(3, 1)); cf:add(F.flag_rep, buf(3, 1))
    cf:add(F.flag_rst, buf(3, 1)); cf:add(F.flag_error, buf(3, 1)); cf:add(F.flag_grant, buf(3, 1))
    local co = tree:add(F.coop_flags, buf(4, 2))
    co:add(F.coop_auth, buf(4, 2))
    tree:add(F.error_code, buf(6, 2))
    tree:add(F.txid, buf(8, 4))
    local ext = buf(12, 2):uint()
    local el = tree:add(F.ext_len, buf(12, 2))
    tree:add(F.reserved, buf(14, 2))
    local info = string.format("%s txid 0x%08x", kind, buf(8, 4):uint())
    if buf(2, 1):uint() ~= 2 then
        pinfo.cols.info = info .. string.format(" [version %d]", buf(2, 1):uint())
        return len
    end
    if len < FIXED then
        tree:add_proto_expert_info(E.short)
        pinfo.cols.info = info .. " [short]"
        return len
    end
    if ext ~= len - FIXED then el:add_proto_expert_info(E.ext_len) end

    local sd = tree:add(buf(16, 24), "Sender data")
    sd:add(F.sender_kind, buf(16, 1))
    local fam = buf(17, 1):uint()
    sd:add(F.family, buf(17, 1))
    sd:add(F.port, buf(18, 2))
    sd:add(F.reserved, buf(20, 4))
    if fam == 4 then sd:add(F.addr4, buf(24, 4))
    elseif fam == 6 then sd:add(F.addr6, buf(24, 16)) end

    local ad = tree:add(buf(40, 216), "auth_data")
    local user = name(ad, buf, 40, 63, F.user_len, F.user)
    local service = name(ad, buf, 104, 31, F.service_len, F.service)
    ad:add(F.nonce_c, buf(136, 32))
    ad:add(F.nonce_s, buf(168, 32))
    ad:add(F.kdf, buf(200, 1))
    ad:add(F.argon2_p, buf(201, 1))
    ad:add(F.argon2_t, buf(202, 2))
    ad:add(F.argon2_m, buf(204, 4))
    ad:add(F.cookie, buf(208, 16))

    local idt = tree:add(buf(224, 32), "id (sealed with the vNIC number)")
    idt:add(F.id, buf(224, 2))
    idt:add(F.vnic, buf(226, 2))
    idt:add(F.tag, buf(228, 16))
    idt:add(F.reserved, buf(244, 12))
    tree:add(F.opaque, buf(256, 320))

    local off = FIXED
    while off + 4 <= len do
        local t, n = buf(off, 2):uint(), buf(off + 2, 2):uint()
        local item = tree:add(F.tlv, buf(off, math.min(4 + n, len - off)))
        item:set_text(string.format("Extension: %s, %d bytes", tlv_types[t] or string.format("type 0x%04x", t), n))
        item:add(F.tlv_type, buf(off, 2))
        item:add(F.tlv_len, buf(off + 2, 2))
        if off + 4 + n > len then
            item:add_proto_expert_info(E.tlv)
            break
        end
        if n > 0 then item:add(F.tlv_value, buf(off + 4, n)) end
        off = off + 4 + n
    end

    if user ~= "" then info = info .. string.format(" user %q service %q", user, service) end
    if flags == 0x0c then
        local code = buf(6, 2):uint()
        info = info .. " error " .. (errors[code] or tostring(code))
    end
    pinfo.cols.info = info
    return len
end

function auth.dissector(buf, pinfo, root)
    return dissect(buf, pinfo, root)
end

-- Any UDP port: the magic and version 2 at the fixed part's size or more.
local function heuristic(buf, pinfo, root)
    if buf:len() < FIXED or buf(0, 2):string() ~= "VN" or buf(2, 1):uint() ~= 2 then return false end
    dissect(buf, pinfo, root)
    pinfo.conversation = auth
    return true
end

local registered
local function register_port()
    local udp = DissectorTable.get("udp.port")
    if registered then udp:remove(registered, auth) end
    registered = auth.prefs.port
    udp:add(registered, auth)
end
auth.prefs_changed = register_port
register_port()
auth:register_heuristic("udp", heuristic)

-- The ID in the urgent pointer: a post-dissector over every frame.
local tag = Proto("vnic", "vnic ID (TCP urgent pointer, URG clear)")
local f_id = ProtoField.uint16("vnic.id", "vnic ID")
tag.fields = { f_id }
local tcp_urg = Field.new("tcp.flags.urg")
local tcp_urp = Field.new("tcp.urgent_pointer")

function tag.dissector(buf, pinfo, root)
    local urg, urp = tcp_urg(), tcp_urp()
    if not urg or not urp or urg() or urp() == 0 then return end
    local t = root:add(tag, urp.range, "vnic ID " .. urp())
    t:add(f_id, urp.range, urp())
    pinfo.cols.info:prepend("[vnic ID " .. urp() .. "] ")
end
register_postdissector(tag)
