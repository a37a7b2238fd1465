using System.Text;
using Madvise.Host;
using Madvise.Kernel;
using Madvise.Replay.Replay;
using Madvise.Replay.Strace;

namespace Madvise.Replay.Tests.Shared;

/// <summary>Runs logs through the replayer.</summary>
internal static class Replays
{
    /// <summary>Replays <paramref name="log"/> (text) on one profile; returns the replayer, to be disposed.</summary>
    public static TraceReplayer Text(string log, ReplayOptions? options = null)
    {
        var replayer = new TraceReplayer(options ?? new ReplayOptions());
        using var parser = new StraceParser(new MemoryStream(Encoding.UTF8.GetBytes(log)));
        while (parser.Read())
        {
            replayer.Apply(parser.Current);
        }

        return replayer;
    }

    /// <summary>The only program of a replay.</summary>
    public static ProgramTally Only(TraceReplayer replayer) => Assert.Single(replayer.Programs);

    /// <summary>Settings for a recorded trace under tests/traces, with its maps file when there is one.</summary>
    public static ReplaySettings Settings(string relative, params KernelProfile[] profiles)
    {
        var path = RepoPaths.Trace(relative);
        var dir = Path.GetDirectoryName(path)!;
        var name = Path.GetFileNameWithoutExtension(path);
        string? maps = null;
        foreach (var candidate in new[] { name + ".execve.maps", name + ".maps" })
        {
            if (File.Exists(Path.Combine(dir, candidate)))
            {
                maps = Path.Combine(dir, candidate);
                break;
            }
        }

        using var reader = maps is null ? null : new StreamReader(maps);
        return new ReplaySettings
        {
            LogPath = path,
            MapsPath = maps,
            Maps = reader is null ? null : ProcMaps.Parse(reader, smaps: false),
            Profiles = profiles.Length == 0 ? [KernelProfile.PerVmaLock] : profiles,
        };
    }
}
