using Mos;

namespace Mos.Host.Cli;

/// <summary>Dispatches `mos COMMAND [ARGS]` to its command and prints help.</summary>
public sealed class CommandLineApp(string program, string description, IReadOnlyList<ICommand> commands)
{
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || IsHelp(args[0]))
            return ShowHelp(args.Skip(1).ToArray(), stdout, stderr);
        if (args[0] == "help")
            return ShowHelp(args.Skip(1).ToArray(), stdout, stderr);
        var (command, consumed) = Find(args);
        if (command is null)
        {
            stderr.WriteLine($"{program}: unknown command '{string.Join(' ', args.Take(2))}' (try '{program} help')");
            return ExitCodes.Usage;
        }
        var rest = args.Skip(consumed).ToArray();
        if (rest.Any(IsHelp))
        {
            stdout.Write(command.Help);
            return ExitCodes.Ok;
        }
        try
        {
            return command.Run(rest, stdout, stderr);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"{program} {command.Name}: {e.Message} (try '{program} {command.Name} --help')");
            return ExitCodes.Usage;
        }
        catch (MosException e)
        {
            stderr.WriteLine($"{program} {command.Name}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static bool IsHelp(string a) => a is "-h" or "--help";

    /// <summary>The longest command name matching the first words of <paramref name="args"/>.</summary>
    private (ICommand? Command, int Consumed) Find(string[] args)
    {
        foreach (var c in commands.OrderByDescending(c => c.Name.Split(' ').Length))
        {
            var words = c.Name.Split(' ');
            if (words.Length <= args.Length && words.SequenceEqual(args.Take(words.Length)))
                return (c, words.Length);
        }
        return (null, 0);
    }

    private int ShowHelp(string[] topic, TextWriter stdout, TextWriter stderr)
    {
        if (topic.Length > 0)
        {
            var (command, _) = Find(topic);
            if (command is null)
            {
                stderr.WriteLine($"{program}: no help for '{string.Join(' ', topic)}'");
                return ExitCodes.Usage;
            }
            stdout.Write(command.Help);
            return ExitCodes.Ok;
        }
        stdout.WriteLine($"{program} - {description}");
        stdout.WriteLine();
        stdout.WriteLine($"Usage: {program} COMMAND [ARGS]   ({program} help COMMAND, or COMMAND --help, for details)");
        stdout.WriteLine();
        stdout.WriteLine("Commands:");
        int width = commands.Max(c => c.Name.Length);
        foreach (var c in commands)
            stdout.WriteLine($"  {c.Name.PadRight(width)}  {c.Summary}");
        stdout.WriteLine();
        stdout.WriteLine("Exit codes: 0 success, 1 failure at run time, 2 invalid configuration, 64 usage error.");
        return ExitCodes.Ok;
    }
}
