namespace Mos.Host.Cli;

/// <summary>Exit codes of every `mos` command (documented in the README and in `mos help`).</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>It failed at run time (a native call failed, a file could not be written).</summary>
    public const int Failure = 1;

    /// <summary>A configuration file has errors (each printed as FILE:LINE:COL: message).</summary>
    public const int InvalidConfig = 2;

    /// <summary>The command line itself is wrong (unknown command or option, missing argument).</summary>
    public const int Usage = 64;
}
