namespace Mos.Host.Cli;

/// <summary>One `mos` command. <see cref="Name"/> may have two words ("config check").</summary>
public interface ICommand
{
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Full help: usage line, options, exit codes.</summary>
    string Help { get; }

    /// <summary>Runs with the arguments after the command name; returns an exit code.</summary>
    int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr);
}

/// <summary>A command-line mistake: printed with a hint and exit code 64.</summary>
public sealed class UsageException(string message) : Exception(message);
