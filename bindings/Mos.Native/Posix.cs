// Blittable mirrors of the POSIX structs the public API passes by pointer (x86-64 Linux,
// glibc layout). Handwritten; the layout probe and tests/Mos.Native.Tests check each
// size and offset against the C compiler.
using System.Runtime.InteropServices;

namespace Mos.Native;

/// <summary>C <c>struct sockaddr</c> (16 bytes): the generic socket address.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public unsafe struct @sockaddr
{
    [FieldOffset(0)] public ushort sa_family;
    [FieldOffset(2)] public fixed byte sa_data[14];
}

/// <summary>C <c>struct in_addr</c>: an IPv4 address in network byte order.</summary>
[StructLayout(LayoutKind.Explicit, Size = 4)]
public struct in_addr
{
    [FieldOffset(0)] public uint s_addr;
}

/// <summary>C <c>struct sockaddr_in</c> (16 bytes); port and address in network byte order.
/// Pass it to functions taking <c>sockaddr*</c> with a pointer cast.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public unsafe struct sockaddr_in
{
    [FieldOffset(0)] public ushort sin_family;
    [FieldOffset(2)] public ushort sin_port;
    [FieldOffset(4)] public in_addr sin_addr;
    [FieldOffset(8)] public fixed byte sin_zero[8];
}

/// <summary>C <c>struct timeval</c>: seconds and microseconds.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct @timeval
{
    [FieldOffset(0)] public long tv_sec;
    [FieldOffset(8)] public long tv_usec;
}

/// <summary>C <c>struct iovec</c>: one buffer of a scatter/gather list.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public unsafe struct @iovec
{
    [FieldOffset(0)] public void* iov_base;
    [FieldOffset(8)] public nuint iov_len;
}
