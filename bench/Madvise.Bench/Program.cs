using BenchmarkDotNet.Running;
using System.Globalization;
using Madvise.Bench.Advice;
using Madvise.Bench.Mm;

namespace Madvise.Bench;

/// <summary>
/// BenchmarkDotNet entry point: <c>dotnet run -c Release --project bench/Madvise.Bench -- --filter '*'</c>;
/// <c>-- --footprint</c> prints the metadata bytes per resident page instead; <c>-- --series [rounds]</c>
/// runs the series' experiment with all profiles interleaved (see <see cref="SeriesInterleaved"/>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "--footprint")
        {
            MetadataFootprint.Run(Console.Out);
            return;
        }

        if (args.Length is 1 or 2 && args[0] == "--series")
        {
            SeriesInterleaved.Run(Console.Out, args.Length == 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
