using System.Diagnostics;
using System.Globalization;
using HdrHistogram;

namespace Madvise.Measurement.Compaction;

/// <summary>
/// A <c>madv compact-target</c> child process (<see cref="CompactTargetProgram"/>) and the requests
/// the compacting side sends it. Disposing asks it to quit and kills it if it does not.
/// </summary>
public sealed class HostTargetProcess : IDisposable
{
    /// <summary>How long a request may take (touching a large layout back in from swap is the slowest).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The child.</summary>
    private readonly Process _process;

    private HostTargetProcess(Process process, int pid, int mappings, ulong touchedBytes, int lockFailures)
    {
        _process = process;
        Pid = pid;
        Mappings = mappings;
        TouchedBytes = touchedBytes;
        LockFailures = lockFailures;
    }

    /// <summary>The child's pid.</summary>
    public int Pid { get; }

    /// <summary>Mappings of its layout (the runtime's own come on top).</summary>
    public int Mappings { get; }

    /// <summary>Bytes its layout touched.</summary>
    public ulong TouchedBytes { get; }

    /// <summary>Locked mappings the child could not lock (RLIMIT_MEMLOCK).</summary>
    public int LockFailures { get; }

    /// <summary>
    /// Starts <c><paramref name="madv"/> compact-target</c> touching <paramref name="mem"/> bytes in
    /// about <paramref name="vmas"/> mappings and waits until it is ready.
    /// </summary>
    /// <param name="madv">The command that runs madv (an apphost, or dotnet exec madv.dll).</param>
    /// <exception cref="InvalidOperationException">The child failed (its standard error says why).</exception>
    /// <param name="cpu">The CPU every thread of the child runs on; null to leave it to the scheduler.</param>
    public static HostTargetProcess Start(IReadOnlyList<string> madv, ulong mem, int vmas, int seed, TimeSpan writerInterval, int? cpu = null)
    {
        ArgumentNullException.ThrowIfNull(madv);
        var command = madv.ToArray();
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.AsSpan(1))
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add("compact-target");
        info.ArgumentList.Add("mem=" + ByteSize.Format(mem));
        info.ArgumentList.Add("vmas=" + vmas.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add("seed=" + seed.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add("interval=" + writerInterval.TotalMicroseconds.ToString(CultureInfo.InvariantCulture));
        if (cpu is { } c)
        {
            info.ArgumentList.Add("cpu=" + c.ToString(CultureInfo.InvariantCulture));
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("the target process did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var ready = ReadLine(process, stderr);
            var f = ready.Split(' ');
            if (f.Length != 5 || f[0] != "ready")
            {
                throw new InvalidOperationException("the target process answered '" + ready + "'");
            }

            return new HostTargetProcess(
                process,
                int.Parse(f[1], CultureInfo.InvariantCulture),
                int.Parse(f[2], CultureInfo.InvariantCulture),
                ulong.Parse(f[3], CultureInfo.InvariantCulture),
                int.Parse(f[4], CultureInfo.InvariantCulture));
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Faults the whole layout back in (what compaction paged out comes back from swap).</summary>
    public void Touch() => Expect("touch", "ok");

    /// <summary>Starts the writer thread (its histogram starts empty).</summary>
    public void StartWriter() => Expect("writer-start", "ok");

    /// <summary>Stops the writer thread and returns how long each of its calls took since it started, in ns.</summary>
    public LongHistogram StopWriter()
    {
        var line = Request("writer-stop");
        var histogram = new LongHistogram(ContentionRow.HighestTrackableNanoseconds, 3);
        return CompactTargetProgram.TryDecodeHistogram(line, histogram)
            ? histogram
            : throw new InvalidOperationException("the target's writer answered '" + line + "'");
    }

    /// <summary>Kills the child now (to test a target that exits).</summary>
    public void Kill() => Kill(_process);

    /// <summary>Asks the child to quit, waits a moment, kills it if needed.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
            }
        }
        catch (IOException)
        {
            // It is gone already.
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            Kill(_process);
        }

        _process.Dispose();
    }

    private void Expect(string request, string answer)
    {
        var line = Request(request);
        if (line != answer)
        {
            throw new InvalidOperationException($"the target answered '{line}' to '{request}'");
        }
    }

    private string Request(string request)
    {
        _process.StandardInput.WriteLine(request);
        _process.StandardInput.Flush();
        return ReadLine(_process, null);
    }

    private static string ReadLine(Process process, Task<string>? stderr)
    {
        var read = process.StandardOutput.ReadLineAsync();
        if (!read.Wait(RequestTimeout) || read.Result is not { } line)
        {
            var why = stderr is not null && stderr.Wait(TimeSpan.FromSeconds(5)) ? stderr.Result.Trim() : string.Empty;
            throw new InvalidOperationException("the target process stopped answering" + (why.Length > 0 ? ": " + why : string.Empty));
        }

        return line;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
