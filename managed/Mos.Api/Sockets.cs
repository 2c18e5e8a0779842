using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Mos.Native;

namespace Mos;

/// <summary>An end-host TCP socket of one context (mtcp_socket). Shaped like
/// <see cref="System.Net.Sockets.Socket"/>; the hot-path calls (<see cref="TryReceive"/>,
/// <see cref="TrySend"/>) report "would block" as a return value instead of throwing.
/// Use a socket only from the thread that drives or owns its context.</summary>
public sealed unsafe class TcpSocket : IDisposable
{
    private readonly Context _ctx;

    private TcpSocket(Context ctx, int id)
    {
        _ctx = ctx;
        Id = id;
    }

    /// <summary>The socket id (an mOS socket number).</summary>
    public int Id { get; private set; }

    internal static TcpSocket Create(Context ctx)
    {
        int id = Mtcp.mtcp_socket(ctx.Handle, (int)AddressFamily.InterNetwork, (int)SocketType.Stream, 0);
        return new TcpSocket(ctx, MosException.Check(id, "mtcp_socket"));
    }

    private int Checked(int rc, string fn) => rc >= 0 ? rc : throw MosException.FromLastError(fn);

    private static sockaddr_in ToNative(IPEndPoint ep)
    {
        if (ep.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException("only IPv4 endpoints are supported", nameof(ep));
        var sa = new sockaddr_in { sin_family = (ushort)AddressFamily.InterNetwork };
        sa.sin_port = (ushort)IPAddress.HostToNetworkOrder((short)ep.Port);
        Span<byte> a = stackalloc byte[4];
        ep.Address.TryWriteBytes(a, out _);
        sa.sin_addr.s_addr = MemoryMarshal.Read<uint>(a);
        return sa;
    }

    private static IPEndPoint FromNative(in sockaddr_in sa)
    {
        uint addr = sa.sin_addr.s_addr;
        int port = (ushort)IPAddress.NetworkToHostOrder((short)sa.sin_port);
        return new IPEndPoint(new IPAddress(addr), port);
    }

    /// <summary>Binds to a local address (0.0.0.0 = every port address).</summary>
    public void Bind(IPEndPoint local)
    {
        var sa = ToNative(local);
        Checked(Mtcp.mtcp_bind(_ctx.Handle, Id, (sockaddr*)&sa, (uint)sizeof(sockaddr_in)), "mtcp_bind");
    }

    /// <summary>Turns the socket into a listener.</summary>
    public void Listen(int backlog) => Checked(Mtcp.mtcp_listen(_ctx.Handle, Id, backlog), "mtcp_listen");

    /// <summary>Takes a connection: null when none is waiting on a non-blocking listener.</summary>
    public TcpSocket? Accept()
    {
        sockaddr_in sa;
        uint len = (uint)sizeof(sockaddr_in);
        int id = Mtcp.mtcp_accept(_ctx.Handle, Id, (sockaddr*)&sa, &len);
        if (id >= 0)
            return new TcpSocket(_ctx, id);
        int errno = Marshal.GetLastPInvokeError();
        return errno == Errno.EAGAIN ? null : throw new MosException("mtcp_accept", errno);
    }

    /// <summary>Opens a connection. Non-blocking sockets return false while it is in
    /// progress (wait for <see cref="EpollEvents.Out"/>, then check <see cref="Error"/>).</summary>
    public bool Connect(IPEndPoint remote)
    {
        var sa = ToNative(remote);
        if (Mtcp.mtcp_connect(_ctx.Handle, Id, (sockaddr*)&sa, (uint)sizeof(sockaddr_in)) == 0)
            return true;
        int errno = Marshal.GetLastPInvokeError();
        return errno == Errno.EINPROGRESS ? false : throw new MosException("mtcp_connect", errno);
    }

    /// <summary>Prepares source ports toward <paramref name="remote"/> whose replies come
    /// back to this context (mtcp_init_rss).</summary>
    public static void InitRss(Context ctx, IPAddress source, IPEndPoint remote)
    {
        var sa = ToNative(remote);
        var src = ToNative(new IPEndPoint(source, 0));
        MosException.Check(Mtcp.mtcp_init_rss(ctx.Handle, src.sin_addr.s_addr, 1, sa.sin_addr.s_addr, sa.sin_port),
            "mtcp_init_rss");
    }

    /// <summary>Reads in-order bytes: the count, 0 at end of stream, -1 when nothing is
    /// available on a non-blocking socket.</summary>
    public int TryReceive(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            nint n = Mtcp.mtcp_read(_ctx.Handle, Id, p, (nuint)buffer.Length);
            if (n >= 0)
                return (int)n;
        }
        int errno = Marshal.GetLastPInvokeError();
        return errno == Errno.EAGAIN ? -1 : throw new MosException("mtcp_read", errno);
    }

    /// <summary>Queues bytes: the count accepted, -1 when the send buffer is full.</summary>
    public int TrySend(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            nint n = Mtcp.mtcp_write(_ctx.Handle, Id, p, (nuint)data.Length);
            if (n >= 0)
                return (int)n;
        }
        int errno = Marshal.GetLastPInvokeError();
        return errno == Errno.EAGAIN ? -1 : throw new MosException("mtcp_write", errno);
    }

    /// <summary>Blocking mode (FIONBIO). New sockets block.</summary>
    public bool Blocking
    {
        set
        {
            int nb = value ? 0 : 1;
            Checked(Mtcp.mtcp_ioctl(_ctx.Handle, Id, 0x5421 /* FIONBIO */, &nb), "mtcp_ioctl");
        }
    }

    /// <summary>Bytes readable now (FIONREAD).</summary>
    public int Available
    {
        get
        {
            int n = 0;
            Checked(Mtcp.mtcp_ioctl(_ctx.Handle, Id, 0x541B /* FIONREAD */, &n), "mtcp_ioctl");
            return n;
        }
    }

    /// <summary>The pending error of the socket (SO_ERROR), 0 when none.</summary>
    public int Error
    {
        get
        {
            int v = 0;
            uint len = sizeof(int);
            Checked(Mtcp.mtcp_getsockopt(_ctx.Handle, Id, 1 /* SOL_SOCKET */, 4 /* SO_ERROR */, &v, &len), "mtcp_getsockopt");
            return v;
        }
    }

    /// <summary>Disables Nagle's algorithm (TCP_NODELAY).</summary>
    public bool NoDelay
    {
        set
        {
            int v = value ? 1 : 0;
            Checked(Mtcp.mtcp_setsockopt(_ctx.Handle, Id, 6 /* IPPROTO_TCP */, 1 /* TCP_NODELAY */, &v, sizeof(int)), "mtcp_setsockopt");
        }
    }

    /// <summary>The local address.</summary>
    public IPEndPoint LocalEndPoint
    {
        get
        {
            sockaddr_in sa;
            uint len = (uint)sizeof(sockaddr_in);
            Checked(Mtcp.mtcp_getsockname(_ctx.Handle, Id, (sockaddr*)&sa, &len), "mtcp_getsockname");
            return FromNative(sa);
        }
    }

    /// <summary>Resets the connection (RST) and frees the socket.</summary>
    public void Abort()
    {
        if (Id < 0)
            return;
        Mtcp.mtcp_abort(_ctx.Handle, Id);
        Id = -1;
    }

    /// <summary>Closes the socket (FIN; RST when unread data is discarded).</summary>
    public void Dispose()
    {
        if (Id < 0)
            return;
        Mtcp.mtcp_close(_ctx.Handle, Id);
        Id = -1;
    }
}

/// <summary>Epoll event bits (mOS values).</summary>
[Flags]
public enum EpollEvents : uint
{
    None = 0,
    In = Mtcp.MOS_EPOLLIN,
    Pri = Mtcp.MOS_EPOLLPRI,
    Out = Mtcp.MOS_EPOLLOUT,
    Error = Mtcp.MOS_EPOLLERR,
    HangUp = Mtcp.MOS_EPOLLHUP,
    ReadHangUp = Mtcp.MOS_EPOLLRDHUP,
    OneShot = Mtcp.MOS_EPOLLONESHOT,
    EdgeTriggered = Mtcp.MOS_EPOLLET,
}

/// <summary>A ready socket returned by <see cref="Epoll.Wait"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct EpollEvent
{
    private readonly ulong _events;
    private readonly ulong _data;

    /// <summary>What happened.</summary>
    public EpollEvents Events => (EpollEvents)(uint)_events;

    /// <summary>The value given at registration (the socket id by default).</summary>
    public ulong Data => _data;
}

/// <summary>An epoll instance of one context (mtcp_epoll_create).</summary>
public sealed unsafe class Epoll : IDisposable
{
    private readonly Context _ctx;
    private int _id;

    private Epoll(Context ctx, int id)
    {
        _ctx = ctx;
        _id = id;
    }

    internal static Epoll Create(Context ctx, int size) =>
        new(ctx, MosException.Check(Mtcp.mtcp_epoll_create(ctx.Handle, size), "mtcp_epoll_create"));

    private void Ctl(int op, int sock, EpollEvents events, ulong data)
    {
        var ev = new mtcp_epoll_event { events = (uint)events };
        ev.data.u64 = data;
        MosException.Check(Mtcp.mtcp_epoll_ctl(_ctx.Handle, _id, op, sock, &ev), "mtcp_epoll_ctl");
    }

    /// <summary>Watches a socket; <paramref name="data"/> comes back with its events.</summary>
    public void Add(TcpSocket s, EpollEvents events, ulong data) => Ctl(Mtcp.MOS_EPOLL_CTL_ADD, s.Id, events, data);

    public void Modify(TcpSocket s, EpollEvents events, ulong data) => Ctl(Mtcp.MOS_EPOLL_CTL_MOD, s.Id, events, data);

    public void Remove(TcpSocket s) =>
        MosException.Check(Mtcp.mtcp_epoll_ctl(_ctx.Handle, _id, Mtcp.MOS_EPOLL_CTL_DEL, s.Id, null), "mtcp_epoll_ctl");

    /// <summary>Waits up to <paramref name="timeoutMs"/> (0: poll, -1: forever); returns the
    /// number of events written, 0 on timeout, -1 when the context was interrupted or stopped.
    /// In run-to-completion mode this call drives the stack.</summary>
    public int Wait(Span<EpollEvent> events, int timeoutMs)
    {
        fixed (EpollEvent* p = events)
        {
            int n = Mtcp.mtcp_epoll_wait(_ctx.Handle, _id, (mtcp_epoll_event*)p, events.Length, timeoutMs);
            if (n >= 0)
                return n;
        }
        int errno = Marshal.GetLastPInvokeError();
        return errno == Errno.EINTR ? -1 : throw new MosException("mtcp_epoll_wait", errno);
    }

    public void Dispose()
    {
        if (_id < 0)
            return;
        Mtcp.mtcp_close(_ctx.Handle, _id);
        _id = -1;
    }
}
