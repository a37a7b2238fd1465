using Madvise.Host.Tests.Shared;
using Madvise.Abi;

namespace Madvise.Host.Tests.Bindings;

/// <summary>The throwing and Try… bindings against the running kernel.</summary>
public sealed unsafe class HostMemoryTests
{
    /// <summary>Bytes in a page.</summary>
    private const nuint P = (nuint)PageSize.PAGE_SIZE;
    /// <summary>PROT_READ | PROT_WRITE.</summary>
    private const int RW = Prot.PROT_READ | Prot.PROT_WRITE;
    /// <summary>MAP_PRIVATE | MAP_ANONYMOUS.</summary>
    private const int PrivateAnon = MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS;

    [Fact]
    public void DontNeedDropsTouchedPagesAndTheyReadBackZero()
    {
        var a = HostMemory.Mmap(0, 4 * P, RW, PrivateAnon);
        try
        {
            var bytes = new Span<byte>((void*)a, (int)(4 * P));
            bytes.Fill(0xab);
            Span<byte> vec = stackalloc byte[4];
            HostMemory.Mincore(a, 4 * P, vec);
            Assert.Equal([1, 1, 1, 1], Residency(vec));

            HostMemory.Madvise(a + (nint)P, 2 * P, MemoryAdvice.MADV_DONTNEED);

            HostMemory.Mincore(a, 4 * P, vec);
            Assert.Equal([1, 0, 0, 1], Residency(vec));
            Assert.Equal(-1, bytes.Slice((int)P, (int)(2 * P)).IndexOfAnyExcept((byte)0));
            Assert.Equal(-1, bytes[..(int)P].IndexOfAnyExcept((byte)0xab));
        }
        finally
        {
            HostMemory.Munmap(a, 4 * P);
        }
    }

    [Fact]
    public void UnalignedMadviseIsEinvalAndTheExceptionCarriesTheErrno()
    {
        var a = HostMemory.Mmap(0, P, RW, PrivateAnon);
        try
        {
            Assert.False(HostMemory.TryMadvise(a + 1, P, MemoryAdvice.MADV_DONTNEED, out var errno));
            Assert.Equal(Errno.EINVAL, errno);

            var e = Assert.Throws<MadviseException>(() => HostMemory.Madvise(a + 1, P, MemoryAdvice.MADV_DONTNEED));
            Assert.IsAssignableFrom<IOException>(e);
            Assert.Equal(Errno.EINVAL, e.Errno);
            Assert.Equal(Errno.EINVAL, e.HResult);
            Assert.Equal("EINVAL", e.ErrnoName);
            Assert.Contains("madvise(0x", e.Message, StringComparison.Ordinal);
            Assert.Contains("(EINVAL)", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            HostMemory.Munmap(a, P);
        }
    }

    [Fact]
    public void MadviseOfAHoleIsEnomemAndOfAnUnknownAdviceEinval()
    {
        var a = QuietAddressSpace.Map(2 * P, RW, PrivateAnon);
        HostMemory.Munmap(a + (nint)P, P);
        try
        {
            Assert.False(HostMemory.TryMadvise(a, 2 * P, MemoryAdvice.MADV_COLD, out var errno));
            Assert.Equal(Errno.ENOMEM, errno);
            Assert.False(HostMemory.TryMadvise(a, P, (MemoryAdvice)999, out errno));
            Assert.Equal(Errno.EINVAL, errno);
        }
        finally
        {
            HostMemory.Munmap(a, P);
        }
    }

    [ProcessMadviseFact]
    public void ProcessMadviseOnTheOwnPidfdReturnsTheBytesAdvised()
    {
        var a = HostMemory.Mmap(0, 4 * P, RW, PrivateAnon);
        try
        {
            new Span<byte>((void*)a, (int)(4 * P)).Fill(1);
            using var pidfd = SafePidfdHandle.OpenSelf();
            ReadOnlySpan<IoVec> ranges = [new IoVec((ulong)a, P), new IoVec((ulong)a + (2 * P), 2 * P - 1)];

            var advised = HostMemory.ProcessMadvise(pidfd, ranges, MemoryAdvice.MADV_DONTNEED);

            Assert.Equal((long)(3 * P) - 1, advised);
            Span<byte> vec = stackalloc byte[4];
            HostMemory.Mincore(a, 4 * P, vec);
            Assert.Equal([0, 1, 0, 0], Residency(vec));
        }
        finally
        {
            HostMemory.Munmap(a, 4 * P);
        }
    }

    [ProcessMadviseFact]
    public void ProcessMadviseReportsTheFirstErrorOnlyWhenNothingWasAdvised()
    {
        var a = HostMemory.Mmap(0, 2 * P, RW, PrivateAnon);
        try
        {
            using var pidfd = SafePidfdHandle.OpenSelf();
            ReadOnlySpan<IoVec> badFirst = [new IoVec((ulong)a + 1, P), new IoVec((ulong)a, P)];
            Assert.False(HostMemory.TryProcessMadvise(pidfd, badFirst, MemoryAdvice.MADV_COLD, 0, out _, out var errno));
            Assert.Equal(Errno.EINVAL, errno);

            ReadOnlySpan<IoVec> badSecond = [new IoVec((ulong)a, P), new IoVec((ulong)a + 1, P)];
            Assert.True(HostMemory.TryProcessMadvise(pidfd, badSecond, MemoryAdvice.MADV_COLD, 0, out var advised, out _));
            Assert.Equal((long)P, advised);

            Assert.False(HostMemory.TryProcessMadvise(pidfd, badSecond, MemoryAdvice.MADV_COLD, 1, out _, out errno));
            Assert.Equal(Errno.EINVAL, errno);
        }
        finally
        {
            HostMemory.Munmap(a, 2 * P);
        }
    }

    [PidfdSelfFact]
    public void PidfdSelfSentinelAdvisesTheOwnProcess()
    {
        var a = HostMemory.Mmap(0, P, RW, PrivateAnon);
        try
        {
            ReadOnlySpan<IoVec> range = [new IoVec((ulong)a, P)];
            Assert.True(HostMemory.TryProcessMadvise(PidfdConstants.PIDFD_SELF_THREAD_GROUP, range, MemoryAdvice.MADV_DONTNEED, 0, out var advised, out _));
            Assert.Equal((long)P, advised);
        }
        finally
        {
            HostMemory.Munmap(a, P);
        }
    }

    [Fact]
    public void ProcessVmReadvOfAProtNonePageIsEfaultNotACrash()
    {
        var a = HostMemory.Mmap(0, 2 * P, RW, PrivateAnon);
        try
        {
            new Span<byte>((void*)a, (int)P).Fill(0x11);
            HostMemory.Mprotect(a + (nint)P, P, Prot.PROT_NONE);
            var buffer = new byte[2 * P];
            var pid = Environment.ProcessId;

            Assert.False(HostMemory.TryProcessVmReadv(pid, a + (nint)P, buffer.AsSpan(0, (int)P), out _, out var errno));
            Assert.Equal(Errno.EFAULT, errno);
            Assert.Throws<MadviseException>(() => HostMemory.ProcessVmReadv(pid, a + (nint)P, buffer.AsSpan(0, (int)P)));

            // A transfer that runs into the page stops short instead.
            Assert.Equal((long)P, HostMemory.ProcessVmReadv(pid, a, buffer));
            Assert.Equal(-1, buffer.AsSpan(0, (int)P).IndexOfAnyExcept((byte)0x11));
        }
        finally
        {
            HostMemory.Munmap(a, 2 * P);
        }
    }

    [Fact]
    public void ProcessVmWritevHonoursProtection()
    {
        var a = HostMemory.Mmap(0, P, Prot.PROT_READ, PrivateAnon);
        try
        {
            byte[] data = [1, 2, 3];
            Assert.False(HostMemory.TryProcessVmWritev(Environment.ProcessId, a, data, out _, out var errno));
            Assert.Equal(Errno.EFAULT, errno);
            HostMemory.Mprotect(a, P, RW);
            Assert.Equal(3, HostMemory.ProcessVmWritev(Environment.ProcessId, a, data));
            Assert.Equal(2, ((byte*)a)[1]);
        }
        finally
        {
            HostMemory.Munmap(a, P);
        }
    }

    [Fact]
    public void MlockedPagesAreResidentAndDontNeedOnThemIsEinval()
    {
        var a = HostMemory.Mmap(0, 2 * P, RW, PrivateAnon);
        try
        {
            if (!HostMemory.TryMlock(a, 2 * P, out var errno))
            {
                Assert.Equal(Errno.EPERM, errno); // no CAP_IPC_LOCK and RLIMIT_MEMLOCK too small
                return;
            }

            Span<byte> vec = stackalloc byte[2];
            HostMemory.Mincore(a, 2 * P, vec);
            Assert.Equal([1, 1], Residency(vec));
            Assert.False(HostMemory.TryMadvise(a, P, MemoryAdvice.MADV_DONTNEED, out errno));
            Assert.Equal(Errno.EINVAL, errno);
            HostMemory.Madvise(a, P, MemoryAdvice.MADV_DONTNEED_LOCKED);
            HostMemory.Munlock(a, 2 * P);
        }
        finally
        {
            HostMemory.Munmap(a, 2 * P);
        }
    }

    [Fact]
    public void MincoreRefusesAVectorShorterThanTheRange()
    {
        var vec = new byte[1];
        Assert.Throws<ArgumentException>(() => HostMemory.TryMincore(0, P + 1, vec, out _));
    }

    [Fact]
    public void PidfdOpenErrorsAreKernelErrnos()
    {
        Assert.False(SafePidfdHandle.TryOpen(-1, 0, out var none, out var errno));
        Assert.Null(none);
        Assert.Equal(Errno.EINVAL, errno);
        var e = Assert.Throws<MadviseException>(() => SafePidfdHandle.Open(int.MaxValue));
        Assert.Equal(Errno.ESRCH, e.Errno);

        using var self = SafePidfdHandle.OpenSelf();
        Assert.False(self.IsInvalid);
        Assert.True(self.Fd >= 0);
    }

    private static byte[] Residency(ReadOnlySpan<byte> vec)
    {
        var r = new byte[vec.Length];
        for (var i = 0; i < vec.Length; i++)
        {
            r[i] = (byte)(vec[i] & 1);
        }

        return r;
    }
}
