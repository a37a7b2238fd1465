using System.Globalization;
using BenchmarkDotNet.Running;
using Madvise.Bench.Advice;
using Madvise.Bench.Mm;

namespace Madvise.Bench;

/// <summary>
/// BenchmarkDotNet entry point: <c>dotnet run -c Release --project bench/Madvise.Bench -- --filter '*'</c>.
/// Besides BenchmarkDotNet's options: <c>--footprint</c> prints the metadata bytes per resident page;
/// <c>--series [rounds]</c> runs the series' experiment with all profiles interleaved (see
/// <see cref="SeriesInterleaved"/>); <c>host-loop RUNS MODE...</c> runs the DONTNEED passes that
/// <c>bench/native/compare.py</c> compares with C.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "--footprint")
        {
            MetadataFootprint.Run(Console.Out);
            return 0;
        }

        if (args.Length is 1 or 2 && args[0] == "--series")
        {
            SeriesInterleaved.Run(Console.Out, args.Length == 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9);
            return 0;
        }

        if (args.Length > 0 && args[0] == "host-loop")
        {
            return Host.DontNeedLoop.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
