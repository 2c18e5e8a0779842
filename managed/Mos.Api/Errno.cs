namespace Mos;

/// <summary>Linux errno values the native API reports, with their names.</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, E2BIG = 7, EBADF = 9, EAGAIN = 11,
        ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EISDIR = 21, EINVAL = 22,
        ENFILE = 23, EFBIG = 27, ENOSPC = 28, EPIPE = 32, ENOSYS = 38, ENODATA = 61,
        ENOTSOCK = 88, ENOPROTOOPT = 92, ESOCKTNOSUPPORT = 94, EAFNOSUPPORT = 97,
        EADDRINUSE = 98, ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106, ENOTCONN = 107,
        ETIMEDOUT = 110, ECONNREFUSED = 111, EHOSTUNREACH = 113, EALREADY = 114, EINPROGRESS = 115;

    private static readonly Dictionary<int, (string Name, string Text)> Table = new()
    {
        [EPERM] = ("EPERM", "operation not permitted"),
        [ENOENT] = ("ENOENT", "no such file or directory"),
        [EINTR] = ("EINTR", "interrupted"),
        [EIO] = ("EIO", "input/output error"),
        [E2BIG] = ("E2BIG", "argument list too long"),
        [EBADF] = ("EBADF", "bad socket id"),
        [EAGAIN] = ("EAGAIN", "try again"),
        [ENOMEM] = ("ENOMEM", "out of memory"),
        [EACCES] = ("EACCES", "permission denied or invalid context"),
        [EFAULT] = ("EFAULT", "bad address"),
        [EBUSY] = ("EBUSY", "busy"),
        [EEXIST] = ("EEXIST", "already exists"),
        [EISDIR] = ("EISDIR", "is a directory"),
        [EINVAL] = ("EINVAL", "invalid argument"),
        [ENFILE] = ("ENFILE", "too many sockets"),
        [EFBIG] = ("EFBIG", "file too large"),
        [ENOSPC] = ("ENOSPC", "no space left"),
        [EPIPE] = ("EPIPE", "broken pipe"),
        [ENOSYS] = ("ENOSYS", "not implemented in this build"),
        [ENODATA] = ("ENODATA", "no data available"),
        [ENOTSOCK] = ("ENOTSOCK", "wrong socket kind"),
        [ENOPROTOOPT] = ("ENOPROTOOPT", "protocol option not available"),
        [ESOCKTNOSUPPORT] = ("ESOCKTNOSUPPORT", "socket type not supported"),
        [EAFNOSUPPORT] = ("EAFNOSUPPORT", "address family not supported"),
        [EADDRINUSE] = ("EADDRINUSE", "address in use"),
        [ECONNRESET] = ("ECONNRESET", "connection reset"),
        [ENOBUFS] = ("ENOBUFS", "no buffer space"),
        [EISCONN] = ("EISCONN", "already connected"),
        [ENOTCONN] = ("ENOTCONN", "not connected"),
        [ETIMEDOUT] = ("ETIMEDOUT", "timed out"),
        [ECONNREFUSED] = ("ECONNREFUSED", "connection refused"),
        [EHOSTUNREACH] = ("EHOSTUNREACH", "host unreachable"),
        [EALREADY] = ("EALREADY", "already in progress"),
        [EINPROGRESS] = ("EINPROGRESS", "in progress"),
    };

    /// <summary>Symbolic name such as <c>EINVAL</c>, or <c>errno N</c>.</summary>
    public static string Name(int errno) => Table.TryGetValue(errno, out var e) ? e.Name : $"errno {errno}";

    /// <summary>Short description.</summary>
    public static string Describe(int errno) => Table.TryGetValue(errno, out var e) ? e.Text : "unknown error";
}
