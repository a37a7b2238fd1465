using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// process_madvise(2): u8 pidfdKind (0 self, 1 raw, 2 descriptor id), i64 value, u8 vectorKind
/// (0 list, 1 seq, 2 badptr), [list: u32 n, n × (u64 base, u64 len) | seq: u64 start, u64 len,
/// u64 stride, u64 count | badptr: u64 count], i32 advice, u64 flags.
/// </summary>
internal sealed class ProcessMadviseOperation : HostOperation
{
    /// <summary>The PIDFD argument; a named pidfd by descriptor id.</summary>
    public PidfdArgument<int> Pidfd = new PidfdArgument<int>.Self();

    /// <summary>The VEC argument.</summary>
    public VectorArgument<ulong> Vector = new VectorArgument<ulong>.List([]);

    /// <summary>The advice.</summary>
    public MemoryAdvice Advice;

    /// <summary>The flags argument.</summary>
    public ulong Flags;

    /// <inheritdoc/>
    public override void Request(ref FrameCodec frame)
    {
        PidfdField(ref frame);
        VectorField(ref frame);
        frame.Advice(ref Advice);
        frame.U64(ref Flags);
    }

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.ProcessMadvise(Pidfd, Vector, Advice, Flags);

    private void PidfdField(ref FrameCodec frame)
    {
        var (kind, value) = Pidfd switch
        {
            PidfdArgument<int>.Raw raw => ((byte)1, raw.Fd),
            PidfdArgument<int>.Named named => ((byte)2, (long)named.Pidfd),
            _ => ((byte)0, 0L),
        };
        frame.U8(ref kind);
        frame.I64(ref value);
        if (frame.IsReading)
        {
            Pidfd = kind switch
            {
                0 => new PidfdArgument<int>.Self(),
                1 => new PidfdArgument<int>.Raw(value),
                2 => new PidfdArgument<int>.Named(checked((int)value)),
                _ => throw new InvalidDataException($"Unknown pidfd kind {kind}."),
            };
        }
    }

    private void VectorField(ref FrameCodec frame)
    {
        byte kind = Vector switch
        {
            VectorArgument<ulong>.Seq => 1,
            VectorArgument<ulong>.BadPointer => 2,
            _ => 0,
        };
        frame.U8(ref kind);
        switch (kind)
        {
            case 0:
                IReadOnlyList<(ulong Base, ulong Length)> list = frame.IsReading ? [] : ((VectorArgument<ulong>.List)Vector).Entries;
                var n = list.Count;
                frame.Count(ref n);
                var entries = new (ulong Base, ulong Length)[n];
                for (var i = 0; i < n; i++)
                {
                    var (b, l) = frame.IsReading ? default : list[i];
                    frame.U64(ref b);
                    frame.U64(ref l);
                    entries[i] = (b, l);
                }

                Vector = new VectorArgument<ulong>.List(entries);
                break;
            case 1:
                var seq = Vector as VectorArgument<ulong>.Seq ?? new VectorArgument<ulong>.Seq(0, 0, 0, 0);
                var (start, length, stride, count) = (seq.Start, seq.Length, seq.Stride, seq.Count);
                frame.U64(ref start);
                frame.U64(ref length);
                frame.U64(ref stride);
                frame.U64(ref count);
                Vector = new VectorArgument<ulong>.Seq(start, length, stride, count);
                break;
            case 2:
                var badCount = (Vector as VectorArgument<ulong>.BadPointer)?.Count ?? 0;
                frame.U64(ref badCount);
                Vector = new VectorArgument<ulong>.BadPointer(badCount);
                break;
            default:
                throw new InvalidDataException("Unknown vector kind.");
        }
    }
}
