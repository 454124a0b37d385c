#!/usr/bin/env bash
# make install / install-user / uninstall into staging roots (DESTDIR): the
# binary runs, every command has a manual page that man renders, bash
# completes vnicctl's commands, the units name the installed binary, vnic.ko
# for the normal test kernel lands in extra/ and in depmod's index; uninstall
# leaves no file of vnic behind; a bad KDIR is one sentence and installs
# nothing.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
rc=0
fail() { echo "$*"; rc=1; }
cd "$top" || exit 1
kdir=$(scripts/build-kernel normal) || { echo "the normal test kernel did not build"; exit 1; }
release=$(cat "$kdir/include/config/kernel.release")

root=$t/root
make -s install DESTDIR="$root" KDIR="$kdir" >"$t/out" 2>&1 || { cat "$t/out"; echo "make install failed"; exit 1; }
bin=$root/usr/local/bin/vnicctl
"$bin" --version | grep -q '^vnicctl ' || fail "the installed vnicctl does not run"

# A page for vnicctl and for every command and subcommand of its help.
mapfile -t cmds < <("$bin" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p' | grep -vx help)
[ ${#cmds[@]} -ge 8 ] || fail "only ${#cmds[@]} commands in vnicctl --help"
pages=(vnicctl)
for c in "${cmds[@]}"; do
	pages+=("vnicctl-$c")
	while read -r s; do pages+=("vnicctl-$c-$s"); done < <("$bin" "$c" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p' | grep -vx help)
done
for p in "${pages[@]}"; do
	f=$root/usr/local/share/man/man8/$p.8
	[ -f "$f" ] || { fail "no manual page $p.8"; continue; }
	if command -v man >/dev/null; then
		out=$(MANWIDTH=80 man -l "$f" 2>&1) && grep -q "^NAME" <<<"$out" && grep -q "$p" <<<"$out" ||
			fail "man -l $p.8 does not render a NAME section: $(head -n 3 <<<"$out")"
	fi
done
extra=$(find "$root/usr/local/share/man/man8" -name '*.8' | wc -l)
[ "$extra" = ${#pages[@]} ] || fail "$extra manual pages for ${#pages[@]} commands"

# bash completes the commands and a subcommand's options (complete -F
# passes the command, the word and the word before it).
comp=$root/usr/local/share/bash-completion/completions/vnicctl
got=$(bash -c '. "$1"; COMP_WORDS=(vnicctl li); COMP_CWORD=1; _vnicctl vnicctl li vnicctl; echo "${COMPREPLY[*]}"' _ "$comp" 2>&1)
[ "$got" = link ] || fail "bash completion of 'vnicctl li': '$got'"
got=$(bash -c '. "$1"; COMP_WORDS=(vnicctl session add --re); COMP_CWORD=3; _vnicctl vnicctl --re add; echo "${COMPREPLY[*]}"' _ "$comp" 2>&1)
[ "$got" = --relay ] || fail "bash completion of 'vnicctl session add --re': '$got'"
grep -q '^#compdef vnicctl' "$root/usr/local/share/zsh/site-functions/_vnicctl" || fail "no zsh completion"
grep -q '^complete -c vnicctl' "$root/usr/local/share/fish/vendor_completions.d/vnicctl.fish" || fail "no fish completion"

for u in provider supervisor header; do
	grep -qx "ExecStart=/usr/local/bin/vnicctl $u --config /etc/vnic/$u.toml" \
		"$root/usr/local/lib/systemd/system/vnic-$u.service" || fail "vnic-$u.service does not start the installed vnicctl"
done
[ -f "$root/usr/local/share/doc/vnic/admin-guide.md" ] || fail "no admin guide installed"
[ -f "$root/usr/local/share/doc/vnic/wireshark/vnic.lua" ] || fail "no Wireshark dissector installed"

ko=$root/lib/modules/$release/extra/vnic.ko
[ "$(modinfo -F name "$ko" 2>&1)" = vnic ] || fail "no vnic.ko in extra/ for $release"
grep -q '^extra/vnic.ko:' "$root/lib/modules/$release/modules.dep" 2>/dev/null || fail "vnic.ko is not in modules.dep"

make -s uninstall DESTDIR="$root" KDIR="$kdir" >"$t/out" 2>&1 || { cat "$t/out"; fail "make uninstall failed"; }
left=$(find "$root" -type f ! -path "*/lib/modules/$release/modules.*" | sed "s|^$root||")
[ -z "$left" ] || fail "left after uninstall: $(head -n 5 <<<"$left" | tr '\n' ' ')"
grep -q vnic.ko "$root/lib/modules/$release/modules.dep" && fail "vnic.ko still in modules.dep after uninstall"

# PREFIX=/usr without the module.
make -s install-user DESTDIR="$t/usr-root" PREFIX=/usr >"$t/out" 2>&1 || { cat "$t/out"; fail "make install-user failed"; }
grep -qx "ExecStart=/usr/bin/vnicctl provider --config /etc/vnic/provider.toml" \
	"$t/usr-root/usr/lib/systemd/system/vnic-provider.service" || fail "PREFIX=/usr: the unit does not start /usr/bin/vnicctl"
[ -x "$t/usr-root/usr/bin/vnicctl" ] || fail "PREFIX=/usr: no /usr/bin/vnicctl"
[ ! -e "$t/usr-root/lib" ] || fail "install-user installed a module"

# A KDIR that is no kernel: one sentence, nothing installed.
out=$(make -s install DESTDIR="$t/bad-root" KDIR="$t/no-such-kernel" 2>&1) && fail "make install with a bad KDIR succeeded"
grep -qx "vnic: KDIR=$t/no-such-kernel does not exist" <<<"$out" || fail "bad KDIR message: $out"
[ ! -e "$t/bad-root" ] || fail "make install with a bad KDIR installed something"
exit $rc
