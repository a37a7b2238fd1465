using Madvise.Abi;
using Madvise.Scenarios.Host;

namespace Madvise.Host.Tests.Target;

/// <summary>Framing and descriptor passing of the agent protocol over a socket pair.</summary>
public sealed class AgentChannelTests
{
    [Fact]
    public void FramesRoundTripWithTheirFields()
    {
        var w = new FrameWriter().Reset().U8(7).I32(-5).U32(uint.MaxValue).I64(long.MinValue).U64(ulong.MaxValue).String("héllo").Bytes([1, 2, 3]);
        var frame = w.Frame.ToArray();
        Assert.Equal(frame.Length - 4, BitConverter.ToInt32(frame, 0));

        var r = new FrameReader(frame.AsSpan(4));
        Assert.Equal(7, r.U8());
        Assert.Equal(-5, r.I32());
        Assert.Equal(uint.MaxValue, r.U32());
        Assert.Equal(long.MinValue, r.I64());
        Assert.Equal(ulong.MaxValue, r.U64());
        Assert.Equal("héllo", r.String());
        Assert.Equal([1, 2, 3], r.Bytes().ToArray());
        try
        {
            r.U8();
            Assert.Fail("read past the end of the frame");
        }
        catch (InvalidDataException)
        {
        }
    }

    [Fact]
    public void DescriptorsTravelWithAFrameAndNameTheSameFile()
    {
        Assert.Equal(0, HarnessSyscalls.SocketPair(out var a, out var b));
        using var left = new AgentChannel(a, ownsSocket: true);
        using var right = new AgentChannel(b, ownsSocket: true);
        var memfd = (int)HarnessSyscalls.MemfdCreate("channel-test");
        Assert.True(memfd >= 0);
        try
        {
            Assert.Equal(0, HarnessSyscalls.WriteAll(memfd, "shared"u8));
            var big = new FrameWriter().Reset().Bytes(new byte[300_000]);
            Assert.Equal(0, left.Send(new FrameWriter().Reset().U8(1).Frame, [memfd]));

            var received = new List<int>();
            Assert.Equal(1, right.Receive(received));
            var fd = Assert.Single(received);
            Assert.NotEqual(memfd, fd);

            // The duplicate shares the file offset: reading it from the start shows the data.
            var p = HarnessSyscalls.Mmap(0, PageSize.PAGE_SIZE, Prot.PROT_READ, MapFlags.MAP_SHARED, fd, 0);
            Assert.True(p > 0);
            var data = new byte[6];
            Assert.Equal(6, HarnessSyscalls.ProcessVmReadv(Environment.ProcessId, (ulong)p, data));
            Assert.Equal("shared"u8.ToArray(), data);
            HarnessSyscalls.Munmap((ulong)p, PageSize.PAGE_SIZE);
            HarnessSyscalls.Close(fd);

            // A frame larger than the socket buffer arrives whole, sent from another thread.
            var sent = -1L;
            var sender = new Thread(() => sent = left.Send(big.Frame, []));
            sender.Start();
            received.Clear();
            Assert.Equal(1, right.Receive(received));
            sender.Join();
            Assert.Equal(0, sent);
            Assert.Equal(300_004, right.Payload.Length);

            left.Dispose();
            Assert.Equal(0, right.Receive(received));
        }
        finally
        {
            HarnessSyscalls.Close(memfd);
        }
    }
}
