using BenchmarkDotNet.Running;

namespace Madvise.Bench;

/// <summary>
/// BenchmarkDotNet entry point: <c>dotnet run -c Release --project bench/Madvise.Bench -- --filter '*'</c>.
/// <c>host-loop RUNS MODE...</c> runs the DONTNEED passes that <c>bench/native/compare.py</c> compares with C.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "host-loop")
        {
            return Host.DontNeedLoop.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
