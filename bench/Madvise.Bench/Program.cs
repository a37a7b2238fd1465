using BenchmarkDotNet.Running;

namespace Madvise.Bench;

/// <summary>BenchmarkDotNet entry point: <c>dotnet run -c Release --project bench/Madvise.Bench -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
