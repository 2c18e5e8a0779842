using System.Runtime.InteropServices;

namespace Mos;

/// <summary>A native mOS-NG call failed; <see cref="Errno"/> is the errno it set.</summary>
/// <remarks>This is the one place where native errno values become exceptions: every
/// wrapper calls <see cref="MosException.Check(int, string)"/> or <see cref="FromLastError"/>.</remarks>
public sealed class MosException : Exception
{
    public MosException(string function, int errno, string? detail = null)
        : base(FormatMessage(function, errno, detail))
    {
        Function = function;
        Errno = errno;
    }

    /// <summary>The native function that failed.</summary>
    public string Function { get; }

    /// <summary>The errno value it reported.</summary>
    public int Errno { get; }

    /// <summary>The symbolic errno name (for example <c>EINVAL</c>), or the number.</summary>
    public string ErrnoName => Mos.Errno.Name(Errno);

    /// <summary>Builds the exception from the errno of the last P/Invoke call.</summary>
    public static MosException FromLastError(string function, string? detail = null) =>
        new(function, Marshal.GetLastPInvokeError(), detail);

    /// <summary>Throws when a native call returned a negative value.</summary>
    public static int Check(int result, string function)
    {
        if (result < 0)
            throw FromLastError(function);
        return result;
    }

    private static string FormatMessage(string function, int errno, string? detail)
    {
        string text = $"{function} failed: {Mos.Errno.Name(errno)} ({Mos.Errno.Describe(errno)})";
        return detail is null ? text : $"{text}: {detail}";
    }
}
