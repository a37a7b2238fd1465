using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Tests.Tasks;

/// <summary>
/// The process table stays bounded: pids run below kernel.pid_max (fork fails with -EAGAIN when
/// all are in use, leaving nothing behind), and an exited task is reaped once its parent has
/// exited too (init reaps the orphans it inherits).
/// </summary>
public sealed class ProcessTableTests
{
    [Fact]
    public void ForkFailsWithEagainWhenEveryPidIsInUseAndLeavesNothingBehind()
    {
        // Pids 300-309: ten tasks at most.
        using var kernel = new SimulatedKernel(new KernelConfig { PidMax = 310 });
        var root = kernel.CreateProcess();
        Assert.Equal(300, root.Pid);
        var rw = (ulong)(Prot.PROT_READ | Prot.PROT_WRITE);
        var addr = Sys.Mmap(root, 0, 4 * PageSize.PAGE_SIZE, rw, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_POPULATE, -1, 0);
        Assert.True(addr > 0);

        for (var i = 1; i < 10; i++)
        {
            Assert.Equal(300 + i, Sys.Fork(root, out _));
        }

        var frames = kernel.Memory.FramesInUse;
        Assert.Equal(-Errno.EAGAIN, Sys.Fork(root, out var none));
        Assert.Null(none);
        Assert.Equal(frames, kernel.Memory.FramesInUse); // the half-built child's page tables are gone
        Assert.Equal(10, kernel.Processes.Count);
        Assert.Throws<InvalidOperationException>(() => kernel.CreateProcess());
    }

    [Fact]
    public void AZombieStaysWhileItsParentLivesAndIsReapedWithIt()
    {
        using var kernel = new SimulatedKernel(new KernelConfig { PidMax = 310 });
        var root = kernel.CreateProcess();
        Assert.True(Sys.Fork(root, out var parent) > 0);
        var children = new List<TaskStruct>();
        while (Sys.Fork(parent!, out var child) > 0)
        {
            children.Add(child!);
        }

        Assert.Equal(8, children.Count);
        children[0].Exit();

        // A zombie keeps its pid while its parent lives: no pid for a new task, and pidfd_open finds it.
        Assert.Equal(-Errno.EAGAIN, Sys.Fork(root, out _));
        Assert.Same(children[0], kernel.Processes.Find(children[0].Pid));
        var pidfd = Sys.PidfdOpen(root, children[0].Pid, 0);
        Assert.True(pidfd >= 0, $"pidfd_open of a zombie: {pidfd}");

        // The parent exits: its exited child is reaped, the parent itself stays a zombie of root.
        parent!.Exit();
        Assert.Null(kernel.Processes.Find(children[0].Pid));
        Assert.Same(parent, kernel.Processes.Find(parent.Pid));
        Assert.Equal(-Errno.ESRCH, Sys.PidfdOpen(root, children[0].Pid, 0));

        // An orphan that exits later is reaped at once; its pid is free again.
        children[1].Exit();
        Assert.Null(kernel.Processes.Find(children[1].Pid));
        Assert.Equal(8, kernel.Processes.Count);
        Assert.True(Sys.Fork(root, out var again) > 0);
        Assert.Contains(again!.Pid, new[] { children[0].Pid, children[1].Pid });
    }

    [Fact]
    public void AParentAndChildExitingAtOnceLeaveNoZombieBehind()
    {
        using var kernel = new SimulatedKernel();
        var root = kernel.CreateProcess();
        for (var round = 0; round < 200; round++)
        {
            Assert.True(Sys.Fork(root, out var parent) > 0);
            Assert.True(Sys.Fork(parent!, out var child) > 0);
            using var start = new Barrier(2);
            var t = new Thread(() =>
            {
                start.SignalAndWait();
                child!.Exit();
            });
            t.Start();
            start.SignalAndWait();
            parent!.Exit();
            t.Join();

            // Both exited: the child is reaped whichever side decided last; the parent is root's zombie.
            Assert.Null(kernel.Processes.Find(child!.Pid));
            Assert.Same(parent, kernel.Processes.Find(parent.Pid));
        }

        Assert.Equal(201, kernel.Processes.Count);
    }
}
