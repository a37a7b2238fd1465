using Madvise.Abi;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;
using Xunit;

namespace Madvise.Host.Tests.Target;

/// <summary>The agent's operation table and the one field list per operation that both encodes and decodes.</summary>
public class HostOperationsTests
{
    [Fact]
    public void EveryOperationNumberBuildsThatOperation()
    {
        var seen = new HashSet<Type>();
        for (var number = 1; ; number++)
        {
            HostOperation operation;
            try
            {
                operation = HostOperations.Create((byte)number);
            }
            catch (InvalidDataException)
            {
                Assert.True(number > 1);
                break;
            }

            Assert.Equal((byte)number, HostOperations.NumberOf(operation));
            Assert.True(seen.Add(operation.GetType()), $"{operation.GetType().Name} listed twice");
        }

        Assert.Throws<InvalidDataException>(() => HostOperations.Create(HostOperations.Exit));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void ProcessMadviseRequestRoundTrips(int pidfdKind, int vectorKind)
    {
        PidfdArgument<int> pidfd = pidfdKind switch
        {
            0 => new PidfdArgument<int>.Self(),
            1 => new PidfdArgument<int>.Raw(PidfdConstants.PIDFD_SELF_THREAD_GROUP),
            _ => new PidfdArgument<int>.Named(42),
        };
        VectorArgument<ulong> vector = vectorKind switch
        {
            0 => new VectorArgument<ulong>.List([(0x7f00_0000_1000, 4096), (ulong.MaxValue, 1)]),
            1 => new VectorArgument<ulong>.Seq(0x1000, 0x2000, 0x3000, ulong.MaxValue),
            2 => new VectorArgument<ulong>.BadPointer(1025),
            _ => new VectorArgument<ulong>.List([]),
        };
        var sent = new ProcessMadviseOperation { Pidfd = pidfd, Vector = vector, Advice = MemoryAdvice.MADV_PAGEOUT, Flags = 1UL << 63 };
        var received = RoundTrip(sent);
        Assert.Equal(pidfd, received.Pidfd);
        Assert.Equal(MemoryAdvice.MADV_PAGEOUT, received.Advice);
        Assert.Equal(1UL << 63, received.Flags);
        if (vector is VectorArgument<ulong>.List list)
        {
            Assert.Equal(list.Entries, Assert.IsType<VectorArgument<ulong>.List>(received.Vector).Entries);
        }
        else
        {
            Assert.Equal(vector, received.Vector);
        }
    }

    public static TheoryData<int, int> Vectors()
    {
        var data = new TheoryData<int, int>();
        for (var p = 0; p < 3; p++)
        {
            for (var v = 0; v < 4; v++)
            {
                data.Add(p, v);
            }
        }

        return data;
    }

    [Fact]
    public void MmapRequestAndReplyRoundTrip()
    {
        var sent = new MmapOperation { Address = 0x1000, Length = ulong.MaxValue, Prot = 7, Flags = MapFlags.MAP_SHARED, File = 9, Offset = 1UL << 40, Mapped = 0xdead_0000 };
        var received = RoundTrip(sent);
        Assert.Equal((0x1000UL, ulong.MaxValue, 7, MapFlags.MAP_SHARED, 9, 1UL << 40), (received.Address, received.Length, received.Prot, received.Flags, received.File, received.Offset));
        Assert.Equal(0xdead_0000UL, ReplyRoundTrip(sent, new MmapOperation()).Mapped);
    }

    [Fact]
    public void VmasReplyRoundTrips()
    {
        var sent = new VmasOperation
        {
            Mappings = [new MappingInfo(0x1000, 0x3000, "rw-p", ["dd", "gu"]), new MappingInfo(0x3000, 0x4000, "---s", [])],
        };
        var received = ReplyRoundTrip(sent, new VmasOperation());
        Assert.Equal(2, received.Mappings.Count);
        Assert.Equal((0x1000UL, 0x3000UL, "rw-p"), (received.Mappings[0].Start, received.Mappings[0].End, received.Mappings[0].Perms));
        Assert.Equal(["dd", "gu"], received.Mappings[0].Flags);
        Assert.Empty(received.Mappings[1].Flags);
    }

    [Fact]
    public void ReadReplyRoundTripsItsRuns()
    {
        var sent = new ReadOperation();
        sent.Runs.AppendRun(0xab, 4096);
        sent.Runs.AppendRun(0x00, 8192);
        var received = ReplyRoundTrip(sent, new ReadOperation());
        Assert.Equal(sent.Runs.ToString(), received.Runs.ToString());
    }

    private static T RoundTrip<T>(T sent)
        where T : HostOperation
    {
        var writer = new FrameWriter().Reset().U8(HostOperations.NumberOf(sent));
        var encode = FrameCodec.Writing(writer);
        sent.Request(ref encode);
        var reader = new FrameReader(writer.Frame[4..]);
        var received = HostOperations.Create(reader.U8());
        var decode = FrameCodec.Reading(reader);
        received.Request(ref decode);
        return Assert.IsType<T>(received);
    }

    private static T ReplyRoundTrip<T>(T sent, T received)
        where T : HostOperation
    {
        var writer = new FrameWriter().Reset();
        var encode = FrameCodec.Writing(writer);
        sent.Reply(ref encode);
        var decode = FrameCodec.Reading(new FrameReader(writer.Frame[4..]));
        received.Reply(ref decode);
        return received;
    }
}
