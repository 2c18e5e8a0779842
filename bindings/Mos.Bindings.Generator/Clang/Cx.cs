// Small managed helpers over the raw libclang API: strings, children, locations,
// types. Every CXString is disposed here, so callers only see managed values.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Mos.Bindings.Generator.Clang;

/// <summary>A position in a source file as libclang reports it.</summary>
internal readonly record struct SourcePos(string File, int Line, int Column, int Offset);

internal static unsafe class Cx
{
    public static string Take(CXString s)
    {
        try
        {
            byte* p = LibClang.clang_getCString(s);
            return p == null ? "" : Marshal.PtrToStringUTF8((nint)p) ?? "";
        }
        finally
        {
            LibClang.clang_disposeString(s);
        }
    }

    public static string Spelling(CXCursor c) => Take(LibClang.clang_getCursorSpelling(c));

    public static string Usr(CXCursor c) => Take(LibClang.clang_getCursorUSR(c));

    public static string Spelling(CXType t) => Take(LibClang.clang_getTypeSpelling(t));

    public static bool IsNull(CXCursor c) => LibClang.clang_Cursor_isNull(c) != 0;

    public static List<CXCursor> Children(CXCursor parent)
    {
        var list = new List<CXCursor>();
        GCHandle handle = GCHandle.Alloc(list);
        try
        {
            LibClang.clang_visitChildren(parent, &CollectChild, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        return list;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CollectChild(CXCursor cursor, CXCursor parent, nint data)
    {
        var list = (List<CXCursor>)GCHandle.FromIntPtr(data).Target!;
        list.Add(cursor);
        return LibClang.ChildVisitContinue;
    }

    public static SourcePos Position(CXSourceLocation loc)
    {
        void* file;
        uint line, column, offset;
        LibClang.clang_getFileLocation(loc, &file, &line, &column, &offset);
        string name = file == null ? "" : Take(LibClang.clang_getFileName(file));
        return new SourcePos(name, (int)line, (int)column, (int)offset);
    }

    public static SourcePos Position(CXCursor c) => Position(LibClang.clang_getCursorLocation(c));

    public static (SourcePos Start, SourcePos End) Extent(CXCursor c)
    {
        CXSourceRange r = LibClang.clang_getCursorExtent(c);
        return (Position(LibClang.clang_getRangeStart(r)), Position(LibClang.clang_getRangeEnd(r)));
    }

    /// <summary>The raw documentation comment attached to a declaration, or "".</summary>
    public static string RawComment(CXCursor c) => Take(LibClang.clang_Cursor_getRawCommentText(c));

    public static List<string> Tokens(void* tu, CXCursor c)
    {
        CXToken* tokens;
        uint count;
        LibClang.clang_tokenize(tu, LibClang.clang_getCursorExtent(c), &tokens, &count);
        var list = new List<string>((int)count);
        for (uint i = 0; i < count; i++)
            list.Add(Take(LibClang.clang_getTokenSpelling(tu, tokens[i])));
        if (tokens != null)
            LibClang.clang_disposeTokens(tu, tokens, count);
        return list;
    }

    /// <summary>Looks through sugar that does not change the meaning of a type:
    /// elaborated (<c>struct x</c>), attributed and parenthesised types.</summary>
    public static CXType Desugar(CXType t)
    {
        while (true)
        {
            switch (t.Kind)
            {
                case TypeKind.Elaborated:
                    t = LibClang.clang_Type_getNamedType(t);
                    break;
                case TypeKind.Attributed:
                    t = LibClang.clang_Type_getModifiedType(t);
                    break;
                case TypeKind.Unexposed:
                    // A parenthesised function type keeps its parameters' typedef names
                    // (size_t, off_t) only if it is not canonicalised.
                    if (IsFunction(t))
                        return t;
                    CXType canonical = LibClang.clang_getCanonicalType(t);
                    if (canonical.Kind == TypeKind.Unexposed)
                        return t;
                    t = canonical;
                    break;
                default:
                    return t;
            }
        }
    }

    /// <summary>True for a prototyped function type, even behind sugar.</summary>
    public static bool IsFunction(CXType t) => LibClang.clang_getNumArgTypes(t) >= 0;

    public static byte[] Utf8Z(string s)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
        return bytes;
    }

    /// <summary>Offset in bytes of a (possibly anonymous-member) field inside a record.</summary>
    public static long OffsetOf(CXType record, string field)
    {
        byte[] name = Utf8Z(field);
        fixed (byte* p = name)
        {
            long bits = LibClang.clang_Type_getOffsetOf(record, p);
            if (bits < 0)
                throw new GeneratorException($"libclang cannot compute offsetof({Spelling(record)}, {field}) (error {bits})");
            if (bits % 8 != 0)
                throw new GeneratorException($"{Spelling(record)}.{field} is not byte aligned (bit-fields are not supported)");
            return bits / 8;
        }
    }

    public static long SizeOf(CXType t, string what)
    {
        long size = LibClang.clang_Type_getSizeOf(t);
        if (size < 0)
            throw new GeneratorException($"libclang cannot compute sizeof({what}) (error {size})");
        return size;
    }
}
