using System.Text;
using Madvise.Replay.Model;
using Madvise.Replay.Strace;

namespace Madvise.Replay.Tests.Shared;

/// <summary>Parses log text and snapshots each event (the parser reuses one instance).</summary>
internal static class Parse
{
    /// <summary>One event as plain values.</summary>
    internal sealed record Event(
        TraceEventKind Kind, int Tid, long Line, long FirstLine, long Time, long Duration, SyscallKind Syscall, string? OtherName,
        ulong[] Args, ResultKind Result, long Value, int Errno, IoVec[] Vector, bool VectorComplete, string? FdPath, string? Name,
        int Number, LineProblem Problem, string Text);

    public static (List<Event> Events, ParseStatistics Stats) Text(string log, int maxLineBytes = StraceLineReader.DefaultMaxLineBytes) =>
        Bytes(Encoding.UTF8.GetBytes(log), maxLineBytes);

    public static (List<Event> Events, ParseStatistics Stats) Bytes(byte[] log, int maxLineBytes = StraceLineReader.DefaultMaxLineBytes) =>
        Stream(new MemoryStream(log), maxLineBytes);

    public static (List<Event> Events, ParseStatistics Stats) Stream(Stream stream, int maxLineBytes = StraceLineReader.DefaultMaxLineBytes)
    {
        using var parser = new StraceParser(new StraceLineReader(stream, maxLineBytes));
        var events = new List<Event>();
        while (parser.Read())
        {
            var e = parser.Current;
            events.Add(new Event(
                e.Kind, e.Tid, e.Line, e.FirstLine, e.TimeMicros, e.DurationMicros, e.Syscall, e.OtherName,
                e.Args[..e.ArgCount], e.Result, e.Value, e.Errno, [.. e.Vector], e.VectorComplete, e.FdPath, e.Name,
                e.Number, e.Problem, e.TextString()));
        }

        return (events, parser.Statistics);
    }

    /// <summary>The only call event of a one-line log.</summary>
    public static Event Call(string line)
    {
        var (events, _) = Text(line + "\n");
        return Assert.Single(events, e => e.Kind == TraceEventKind.Call);
    }
}
