using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>The <c>file</c> step's system call: a file (or memfd) whose pages all start in the page cache.</summary>
public sealed class CreateFileTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFileLargerThanFreeMemoryFailsBeforeAllocatingAnything(bool memfd)
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 64UL << 20 });
        var task = kernel.CreateProcess();
        var created = kernel.Memory.CreatedFrames;

        // 5 GiB on a 64 MiB machine, and sizes whose page count would wrap if rounded up naively.
        foreach (var size in new[] { 5UL << 30, ulong.MaxValue, ulong.MaxValue - 4094, (64UL << 20) + 1 })
        {
            Assert.Equal(-Errno.ENOSPC, Sys.CreateFile(task, size, 0x11, memfd));
        }

        Assert.Equal(created, kernel.Memory.CreatedFrames);
        Assert.Equal(0, kernel.Memory.FramesInUse);
        Assert.Equal(0, task.Files.Count);

        // What fits still works, and goes when its descriptor closes.
        var fd = Sys.CreateFile(task, 32UL << 20, 0x11, memfd);
        Assert.True(fd >= 0, MmBuilder.Errno(fd));
        Assert.Equal(8192, kernel.Memory.FramesInUse);
        Assert.Equal(0, Sys.Close(task, fd));
        Assert.Equal(0, kernel.Memory.FramesInUse);
    }
}
