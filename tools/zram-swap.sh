#!/usr/bin/env bash
# zram-swap.sh — opt-in swap for measuring `madv compact` (anonymous pages are paged out only to
# swap). Root only. Never part of the test run: CI passes on machines without swap.
#
#   sudo tools/zram-swap.sh on [SIZE]            add a zram swap device of SIZE (default 1G)
#   sudo tools/zram-swap.sh off                  remove what `on` added
#   sudo tools/zram-swap.sh run [SIZE] -- CMD... add swap, run CMD, remove the swap (even on Ctrl+C)
#        tools/zram-swap.sh status               show /proc/swaps and the zram devices
#
# How: a new zram device from /sys/class/zram-control/hot_add (after `modprobe zram` when the
# module is not loaded; zram may also be built in), lz4 when the kernel has it, mkswap, swapon
# at a high priority. Where zram is unavailable, a swap file on disk instead (fallocate, mkswap,
# swapon) under /var/tmp. What was added is recorded in /run/madv-zram-swap, so `off` removes
# exactly that and nothing else.
#
# Swap is machine-wide: while it is on, every process's anonymous memory can be paged out, and
# tests that expect a machine without swap (MADV_PAGEOUT leaving anonymous pages resident) see
# another behaviour. Keep it on only for the measurement (`run` does that).
set -euo pipefail

STATE=/run/madv-zram-swap

die() { echo "zram-swap: $*" >&2; exit 1; }

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }

bytes() {
    local s=${1^^}
    case $s in
        *K) echo $(( ${s%K} << 10 )) ;;
        *M) echo $(( ${s%M} << 20 )) ;;
        *G) echo $(( ${s%G} << 30 )) ;;
        *[0-9]) echo "$s" ;;
        *) die "bad size '$1' (e.g. 512M, 1G)" ;;
    esac
}

add_zram() {
    local size=$1 id dev
    if [[ ! -e /sys/class/zram-control/hot_add ]]; then
        command -v modprobe >/dev/null 2>&1 && modprobe zram num_devices=0 2>/dev/null || true
    fi
    [[ -e /sys/class/zram-control/hot_add ]] || return 1
    id=$(cat /sys/class/zram-control/hot_add) || return 1
    dev=/dev/zram$id
    for _ in 1 2 3 4 5; do [[ -b $dev ]] && break; sleep 0.2; done
    [[ -b $dev ]] || { echo "$id" > /sys/class/zram-control/hot_remove 2>/dev/null || true; return 1; }
    if grep -qw lz4 /sys/block/zram$id/comp_algorithm; then echo lz4 > /sys/block/zram$id/comp_algorithm; fi
    echo "$size" > /sys/block/zram$id/disksize
    mkswap "$dev" >/dev/null
    swapon -p 100 "$dev"
    echo "zram $id" > "$STATE"
    echo "zram-swap: swap on $dev ($(( size >> 20 )) MiB, $(sed 's/.*\[\(.*\)\].*/\1/' /sys/block/zram$id/comp_algorithm))"
}

add_file() {
    local size=$1 file=/var/tmp/madv-swapfile
    fallocate -l "$size" "$file" || dd if=/dev/zero of="$file" bs=1M count=$(( size >> 20 )) status=none
    chmod 600 "$file"
    mkswap "$file" >/dev/null
    swapon -p 100 "$file"
    echo "file $file" > "$STATE"
    echo "zram-swap: zram unavailable; swap file $file ($(( size >> 20 )) MiB) on"
}

on() {
    need_root
    [[ -e $STATE ]] && die "already on ($(cat "$STATE")); run '$0 off' first"
    local size
    size=$(bytes "${1:-1G}")
    add_zram "$size" || add_file "$size"
}

off() {
    need_root
    [[ -e $STATE ]] || { echo "zram-swap: nothing to remove"; return 0; }
    read -r kind what < "$STATE"
    case $kind in
        zram)
            swapoff "/dev/zram$what" || true
            echo 1 > "/sys/block/zram$what/reset" 2>/dev/null || true
            echo "$what" > /sys/class/zram-control/hot_remove 2>/dev/null || true
            echo "zram-swap: /dev/zram$what removed" ;;
        file)
            swapoff "$what" || true
            rm -f "$what"
            echo "zram-swap: $what removed" ;;
    esac
    rm -f "$STATE"
}

status() {
    cat /proc/swaps
    for d in /sys/block/zram*; do
        [[ -e $d/disksize ]] || continue
        echo "$(basename "$d"): disksize $(cat "$d/disksize") mm_stat $(cat "$d/mm_stat")"
    done
    [[ -e $STATE ]] && echo "added by zram-swap: $(cat "$STATE")" || true
}

case ${1:-} in
    on) shift; on "$@" ;;
    off) off ;;
    status) status ;;
    run)
        shift
        size=1G
        if [[ ${1:-} != -- && -n ${1:-} ]]; then size=$1; shift; fi
        [[ ${1:-} == -- ]] && shift
        [[ $# -gt 0 ]] || die "run: no command (usage: $0 run [SIZE] -- CMD...)"
        on "$size"
        trap off EXIT INT TERM
        "$@" ;;
    *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
