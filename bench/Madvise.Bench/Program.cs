using BenchmarkDotNet.Running;
using Madvise.Bench.Mm;

namespace Madvise.Bench;

/// <summary>
/// BenchmarkDotNet entry point: <c>dotnet run -c Release --project bench/Madvise.Bench -- --filter '*'</c>;
/// <c>-- --footprint</c> prints the metadata bytes per resident page instead.
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

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
