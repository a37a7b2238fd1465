namespace Madvise.Cli;

/// <summary>Entry point of the <c>madv</c> tool.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["agent", ..])
        {
            return Scenarios.Host.AgentProgram.Run(args[1..]);
        }

        Console.Error.WriteLine("madv: no commands yet");
        return args.Length == 0 ? 0 : 2;
    }
}
