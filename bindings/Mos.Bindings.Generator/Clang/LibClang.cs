// Raw declarations of the parts of the libclang C API (clang-c/Index.h, stable ABI) the
// generator uses. Written from the public API documentation; only blittable types.
using System.Runtime.InteropServices;

namespace Mos.Bindings.Generator.Clang;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXString
{
    public void* Data;
    public uint PrivateFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXCursor
{
    public int Kind;
    public int XData;
    public nint Data0;
    public nint Data1;
    public nint Data2;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXType
{
    public int Kind;
    public nint Data0;
    public nint Data1;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceLocation
{
    public nint Ptr0;
    public nint Ptr1;
    public uint IntData;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceRange
{
    public nint Ptr0;
    public nint Ptr1;
    public uint BeginIntData;
    public uint EndIntData;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXToken
{
    public uint Int0;
    public uint Int1;
    public uint Int2;
    public uint Int3;
    public nint Ptr;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}

/// <summary>Cursor kinds (enum CXCursorKind) the generator looks at.</summary>
internal static class CursorKind
{
    public const int StructDecl = 2;
    public const int UnionDecl = 3;
    public const int EnumDecl = 5;
    public const int FieldDecl = 6;
    public const int EnumConstantDecl = 7;
    public const int FunctionDecl = 8;
    public const int VarDecl = 9;
    public const int ParmDecl = 10;
    public const int TypedefDecl = 20;
    public const int MacroDefinition = 501;
}

/// <summary>Type kinds (enum CXTypeKind) the generator maps.</summary>
internal static class TypeKind
{
    public const int Invalid = 0;
    public const int Unexposed = 1;
    public const int Void = 2;
    public const int Bool = 3;
    public const int CharU = 4;
    public const int UChar = 5;
    public const int UShort = 8;
    public const int UInt = 9;
    public const int ULong = 10;
    public const int ULongLong = 11;
    public const int CharS = 13;
    public const int SChar = 14;
    public const int Short = 16;
    public const int Int = 17;
    public const int Long = 18;
    public const int LongLong = 19;
    public const int Float = 21;
    public const int Double = 22;
    public const int Pointer = 101;
    public const int Record = 105;
    public const int Enum = 106;
    public const int Typedef = 107;
    public const int FunctionNoProto = 110;
    public const int FunctionProto = 111;
    public const int ConstantArray = 112;
    public const int IncompleteArray = 114;
    public const int Elaborated = 119;
    public const int Attributed = 163;
}

internal static class EvalKind
{
    public const int Int = 1;
    public const int StrLiteral = 4;
}

internal static class TuFlags
{
    public const uint DetailedPreprocessingRecord = 0x01;
    public const uint SkipFunctionBodies = 0x40;
}

internal static unsafe class LibClang
{
    /// <summary>Logical library name; <see cref="ClangLocator"/> resolves it to a file.</summary>
    public const string Name = "libclang";

    public const int ChildVisitBreak = 0;
    public const int ChildVisitContinue = 1;
    public const int CallingConvC = 1;
    public const int DiagnosticError = 3;

    [DllImport(Name)] public static extern void* clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);
    [DllImport(Name)] public static extern void clang_disposeIndex(void* index);
    [DllImport(Name)] public static extern int clang_parseTranslationUnit2(void* index, byte* sourceFilename, byte** commandLineArgs, int numCommandLineArgs, CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, uint options, void** outTu);
    [DllImport(Name)] public static extern void clang_disposeTranslationUnit(void* tu);
    [DllImport(Name)] public static extern CXCursor clang_getTranslationUnitCursor(void* tu);

    [DllImport(Name)] public static extern uint clang_getNumDiagnostics(void* tu);
    [DllImport(Name)] public static extern void* clang_getDiagnostic(void* tu, uint index);
    [DllImport(Name)] public static extern int clang_getDiagnosticSeverity(void* diagnostic);
    [DllImport(Name)] public static extern CXString clang_formatDiagnostic(void* diagnostic, uint options);
    [DllImport(Name)] public static extern uint clang_defaultDiagnosticDisplayOptions();
    [DllImport(Name)] public static extern void clang_disposeDiagnostic(void* diagnostic);

    [DllImport(Name)] public static extern byte* clang_getCString(CXString str);
    [DllImport(Name)] public static extern void clang_disposeString(CXString str);
    [DllImport(Name)] public static extern CXString clang_getClangVersion();

    [DllImport(Name)] public static extern uint clang_visitChildren(CXCursor parent, delegate* unmanaged[Cdecl]<CXCursor, CXCursor, nint, int> visitor, nint clientData);
    [DllImport(Name)] public static extern CXString clang_getCursorSpelling(CXCursor cursor);
    [DllImport(Name)] public static extern CXString clang_getCursorUSR(CXCursor cursor);
    [DllImport(Name)] public static extern CXType clang_getCursorType(CXCursor cursor);
    [DllImport(Name)] public static extern CXSourceLocation clang_getCursorLocation(CXCursor cursor);
    [DllImport(Name)] public static extern CXSourceRange clang_getCursorExtent(CXCursor cursor);
    [DllImport(Name)] public static extern CXCursor clang_getCursorDefinition(CXCursor cursor);
    [DllImport(Name)] public static extern CXCursor clang_getCanonicalCursor(CXCursor cursor);
    [DllImport(Name)] public static extern uint clang_isCursorDefinition(CXCursor cursor);
    [DllImport(Name)] public static extern int clang_Cursor_isNull(CXCursor cursor);
    [DllImport(Name)] public static extern uint clang_Cursor_isAnonymous(CXCursor cursor);
    [DllImport(Name)] public static extern uint clang_Cursor_isAnonymousRecordDecl(CXCursor cursor);
    [DllImport(Name)] public static extern uint clang_Cursor_isBitField(CXCursor cursor);
    [DllImport(Name)] public static extern uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);
    [DllImport(Name)] public static extern uint clang_Cursor_isMacroBuiltin(CXCursor cursor);
    [DllImport(Name)] public static extern CXString clang_Cursor_getRawCommentText(CXCursor cursor);
    [DllImport(Name)] public static extern int clang_Cursor_getNumArguments(CXCursor cursor);
    [DllImport(Name)] public static extern CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);
    [DllImport(Name)] public static extern long clang_getEnumConstantDeclValue(CXCursor cursor);
    [DllImport(Name)] public static extern ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);
    [DllImport(Name)] public static extern CXType clang_getEnumDeclIntegerType(CXCursor cursor);
    [DllImport(Name)] public static extern CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);
    [DllImport(Name)] public static extern void* clang_Cursor_Evaluate(CXCursor cursor);

    [DllImport(Name)] public static extern int clang_EvalResult_getKind(void* result);
    [DllImport(Name)] public static extern uint clang_EvalResult_isUnsignedInt(void* result);
    [DllImport(Name)] public static extern ulong clang_EvalResult_getAsUnsigned(void* result);
    [DllImport(Name)] public static extern long clang_EvalResult_getAsLongLong(void* result);
    [DllImport(Name)] public static extern byte* clang_EvalResult_getAsStr(void* result);
    [DllImport(Name)] public static extern void clang_EvalResult_dispose(void* result);

    [DllImport(Name)] public static extern CXString clang_getTypeSpelling(CXType type);
    [DllImport(Name)] public static extern CXString clang_getTypedefName(CXType type);
    [DllImport(Name)] public static extern CXType clang_getCanonicalType(CXType type);
    [DllImport(Name)] public static extern CXType clang_getPointeeType(CXType type);
    [DllImport(Name)] public static extern CXType clang_getResultType(CXType type);
    [DllImport(Name)] public static extern int clang_getNumArgTypes(CXType type);
    [DllImport(Name)] public static extern CXType clang_getArgType(CXType type, uint index);
    [DllImport(Name)] public static extern uint clang_isFunctionTypeVariadic(CXType type);
    [DllImport(Name)] public static extern int clang_getFunctionTypeCallingConv(CXType type);
    [DllImport(Name)] public static extern CXType clang_getArrayElementType(CXType type);
    [DllImport(Name)] public static extern long clang_getArraySize(CXType type);
    [DllImport(Name)] public static extern CXType clang_Type_getNamedType(CXType type);
    [DllImport(Name)] public static extern CXType clang_Type_getModifiedType(CXType type);
    [DllImport(Name)] public static extern CXCursor clang_getTypeDeclaration(CXType type);
    [DllImport(Name)] public static extern long clang_Type_getSizeOf(CXType type);
    [DllImport(Name)] public static extern long clang_Type_getAlignOf(CXType type);
    [DllImport(Name)] public static extern long clang_Type_getOffsetOf(CXType type, byte* fieldName);

    [DllImport(Name)] public static extern void clang_getFileLocation(CXSourceLocation location, void** file, uint* line, uint* column, uint* offset);
    [DllImport(Name)] public static extern CXString clang_getFileName(void* file);
    [DllImport(Name)] public static extern CXSourceLocation clang_getRangeStart(CXSourceRange range);
    [DllImport(Name)] public static extern CXSourceLocation clang_getRangeEnd(CXSourceRange range);

    [DllImport(Name)] public static extern void clang_tokenize(void* tu, CXSourceRange range, CXToken** tokens, uint* numTokens);
    [DllImport(Name)] public static extern CXString clang_getTokenSpelling(void* tu, CXToken token);
    [DllImport(Name)] public static extern void clang_disposeTokens(void* tu, CXToken* tokens, uint numTokens);
}
