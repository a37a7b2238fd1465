using System.Globalization;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// The agent side of the host target: <c>madv agent cpu=N parent=PID</c>, started by
/// <see cref="HostScenarioTarget"/> for each <c>task</c>, runs that task's steps (see
/// <see cref="AgentProtocol"/>) on its main thread.
/// </summary>
public static class AgentProgram
{
    /// <summary>
    /// Reads requests on standard input and answers on standard output (both are one socket,
    /// so that descriptors can travel) until end of file or an
    /// <c>exit</c> request. Every step runs on the calling thread, pinned to CPU N: capset
    /// changes only the calling thread's capabilities, and LRU batches are per CPU.
    /// </summary>
    /// <param name="args">The arguments after (or including) <c>agent</c>: <c>cpu=N</c>, <c>parent=PID</c>.</param>
    /// <returns>The process exit code: 0, or 2 for bad arguments.</returns>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var cpu = -1;
        var parent = 0;
        foreach (var arg in args)
        {
            if (arg == "agent")
            {
                continue;
            }

            if (arg.StartsWith("cpu=", StringComparison.Ordinal) && int.TryParse(arg.AsSpan(4), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out cpu))
            {
                continue;
            }

            if (arg.StartsWith("parent=", StringComparison.Ordinal) && int.TryParse(arg.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out parent))
            {
                continue;
            }

            Console.Error.WriteLine($"madv agent: unknown argument '{arg}' (expected cpu=N parent=PID)");
            return 2;
        }

        if (!WatchParent(parent))
        {
            return 0;
        }

        if (cpu >= 0)
        {
            HarnessSyscalls.PinCurrentThread(cpu);
        }

        using var channel = new AgentChannel(input: 0, output: 1, ownsSocket: false);
        using var executor = new TaskExecutor();

        // Linux clears the parent-death signal on every credential change: set it again.
        executor.CredentialsChanged = () => WatchParent(parent);
        var writer = new FrameWriter();
        if (channel.Send(writer.Reset().I32(HarnessSyscalls.GetPid()).Frame, []) < 0)
        {
            return 0;
        }

        var received = new List<int>();
        while (true)
        {
            received.Clear();
            if (channel.Receive(received) <= 0)
            {
                return 0;
            }

            var request = new FrameReader(channel.Payload);
            var op = request.U8();
            var count = request.U8();
            for (var i = 0; i < count; i++)
            {
                var id = request.I32();
                if (i < received.Count)
                {
                    executor.AddDescriptor(id, received[i]);
                }
            }

            for (var i = count; i < received.Count; i++)
            {
                HarnessSyscalls.Close(received[i]);
            }

            if (op == HostOperations.Exit)
            {
                return 0;
            }

            writer.Reset();
            var attach = Serve(HostOperations.Create(op), request, executor, writer);
            ReadOnlySpan<int> fds = attach >= 0 ? [attach] : [];
            if (channel.Send(writer.Frame, fds) < 0)
            {
                return 0;
            }
        }
    }

    /// <summary>
    /// Asks the kernel to kill this process when the target's step thread (its parent thread)
    /// ends, then checks the parent has not already gone. Linux clears the setting on every
    /// credential change, so <c>setuid</c> calls this again.
    /// </summary>
    private static bool WatchParent(int parent)
    {
        HarnessSyscalls.SetParentDeathSignal(HarnessSyscalls.SIGKILL);
        return parent == 0 || HarnessSyscalls.GetParentPid() == parent;
    }

    /// <summary>Reads the operation's request fields, runs it and writes its reply; returns a descriptor to attach to the reply, or -1.</summary>
    private static int Serve(HostOperation operation, FrameReader request, TaskExecutor executor, FrameWriter reply)
    {
        var fields = FrameCodec.Reading(request);
        operation.Request(ref fields);
        var result = operation.Run(executor);
        reply.I64(result);
        if (result == TargetResult.NotSupported)
        {
            reply.String(executor.LastRefusal ?? "refused");
            return -1;
        }

        if (result < 0)
        {
            return -1;
        }

        var replyFields = FrameCodec.Writing(reply);
        operation.Reply(ref replyFields);
        return operation.Attachment;
    }
}
