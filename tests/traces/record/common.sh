# Sourced by the record scripts.
# The strace filter of `madv replay` (the issue's invocation is
#   strace -f -ttt -T -e trace=$FILTER -o LOG CMD).
FILTER='trace=%memory,process_madvise,pidfd_open,clone,clone3,fork,vfork,execve,exit_group,exit'

# Launched programs are recorded with ASLR off (`setarch -R strace ...`: the
# ADDR_NO_RANDOMIZE personality is inherited by strace's child), so that the
# address space the kernel builds at execve (executable, its bss, ld.so, stack,
# vdso, vvar, vsyscall: mappings no traced call creates) is the same in every run
# and can be captured in a separate run:
#
# capture_execve_maps FILE CMD...  runs CMD under a second strace that delays CMD's
# first brk() (ld.so's first system call) by 3 s, copies /proc/PID/maps to FILE
# while it waits, then kills CMD.  Run it from the same directory and environment
# as the recording so the stack and brk come out at the same place.
capture_execve_maps() {
    local file=$1; shift
    setarch -R strace -e trace=brk -e inject=brk:delay_enter=3000000:when=1 -o /dev/null "$@" >/dev/null 2>&1 &
    local spid=$! cpid= i
    for i in $(seq 100); do
        cpid=$(pgrep -P $spid | head -1)
        if [ -n "$cpid" ] && [ "$(readlink /proc/$cpid/exe)" != "$(readlink -f "$(command -v strace)")" ]; then break; fi
        sleep 0.02
    done
    sleep 0.5
    cat /proc/$cpid/maps > "$file"
    kill -KILL $cpid
    wait $spid 2>/dev/null
}
