; AceTray installer for Windows (NSIS 3, Unicode, Modern UI 2).
;
; Per-user by default: installs to %LOCALAPPDATA%\Programs\AceTray with no UAC prompt;
; everything goes under HKCU. From an elevated prompt, `/AllUsers` installs to
; Program Files for every user (HKLM). Silent: `/S` (plus `/D=C:\path` as the last argument).
;
;   makensis /DSOURCE_DIR=..\..\dist\acetray /DOUTFILE=..\..\dist\AceTray-Setup.exe packaging\windows\acetray.nsi
;
; SOURCE_DIR is the PyInstaller onedir bundle (acetray.exe, acetray-cli.exe, _internal\).
; VERSION is read from desktop\__init__.py unless given with /DVERSION=x.y.z.
; What it writes, and the uninstaller removes:
;   $INSTDIR\ (acetray.exe, acetray-cli.exe, _internal\, uninstall.exe)
;   Start menu shortcut "AceTray" (+ optional desktop shortcut)
;   SHCTX\Software\Classes\acestream               acestream:// URL protocol -> "acetray.exe" "%1"
;   SHCTX\Software\Microsoft\Windows\CurrentVersion\Uninstall\AceTray   Add/Remove Programs
;   SHCTX\Software\Microsoft\Windows\CurrentVersion\Run  value "AceTray"  (optional start on login;
;                                                  the same value the app's Settings toggles)
;   SHCTX\Software\AceTray                         install folder, for upgrades
; (SHCTX is HKCU for a per-user install, HKLM for /AllUsers.)

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma

!define APP_NAME "AceTray"
!define APP_EXE "acetray.exe"
!define APP_ID "AceTray"
!define PUBLISHER "AceTray developers"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define CLASSES_KEY "Software\Classes\acestream"
!define SETTINGS_KEY "Software\${APP_ID}"
!define REPO_ROOT "${__FILEDIR__}\..\.."

!ifndef VERSION
  !searchparse /file "${REPO_ROOT}\desktop\__init__.py" `__version__ = "` VERSION `"`
!endif
!searchparse /noerrors "${VERSION}.0.0.0" "" VER_MAJOR "." VER_MINOR "." VER_PATCH "."
!ifndef SOURCE_DIR
  !define SOURCE_DIR "${REPO_ROOT}\dist\acetray"
!endif
!ifndef OUTFILE
  !define OUTFILE "${REPO_ROOT}\dist\AceTray-${VERSION}-Setup.exe"
!endif

; --- Multi-user: per-user by default, /AllUsers only when elevated --------------------------
!define MULTIUSER_EXECUTIONLEVEL Standard
!define MULTIUSER_INSTALLMODE_DEFAULT_CURRENTUSER
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_INSTALLMODE_INSTDIR "${APP_NAME}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${SETTINGS_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallDir"
!define MULTIUSER_MUI
!include MultiUser.nsh
!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh

Name "${APP_NAME}"
OutFile "${OUTFILE}"
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails nevershow
ShowUninstDetails nevershow

VIProductVersion "${VER_MAJOR}.${VER_MINOR}.${VER_PATCH}.0"
VIAddVersionKey "ProductName" "${APP_NAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP_NAME} installer"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "MIT License"

; --- Pages -----------------------------------------------------------------------------------
!define MUI_ICON "${REPO_ROOT}\resources\icons\acetray.ico"
!define MUI_UNICON "${REPO_ROOT}\resources\icons\acetray.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP_NAME} now"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

; --- Helpers ---------------------------------------------------------------------------------
; Wait until acetray.exe in $INSTDIR is not running (its image is locked while it runs).
!macro WAIT_FOR_APP_EXIT UN
Function ${UN}WaitForAppExit
  ${If} ${FileExists} "$INSTDIR\${APP_EXE}"
    ${Do}
      ClearErrors
      FileOpen $0 "$INSTDIR\${APP_EXE}" a
      ${IfNot} ${Errors}
        FileClose $0
        ${Break}
      ${EndIf}
      ${IfNot} ${Cmd} `MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP_NAME} is running. Quit it from its tray icon menu (Quit), then click Retry." /SD IDCANCEL IDRETRY`
        Abort "${APP_NAME} is still running."
      ${EndIf}
    ${Loop}
  ${EndIf}
FunctionEnd
!macroend
!insertmacro WAIT_FOR_APP_EXIT ""
!insertmacro WAIT_FOR_APP_EXIT "un."

Function .onInit
  !insertmacro MULTIUSER_INIT
FunctionEnd

Function un.onInit
  !insertmacro MULTIUSER_UNINIT
FunctionEnd

; --- Sections --------------------------------------------------------------------------------
Section "${APP_NAME} (required)" SecApp
  SectionIn RO
  Call WaitForAppExit
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the bundle wholesale, so no stale library outlives it.
  RMDir /r "$INSTDIR\_internal"
  File "${SOURCE_DIR}\${APP_EXE}"
  File /nonfatal "${SOURCE_DIR}\acetray-cli.exe"
  File /r "${SOURCE_DIR}\_internal"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0 \
    SW_SHOWNORMAL "" "Share one AceStream channel with every player"

  ; acestream:// links open AceTray (the running instance gets the link).
  WriteRegStr SHCTX "${CLASSES_KEY}" "" "URL:AceStream Protocol"
  WriteRegStr SHCTX "${CLASSES_KEY}" "URL Protocol" ""
  WriteRegStr SHCTX "${CLASSES_KEY}\DefaultIcon" "" "$INSTDIR\${APP_EXE},0"
  WriteRegStr SHCTX "${CLASSES_KEY}\shell" "" "open"
  WriteRegStr SHCTX "${CLASSES_KEY}\shell\open\command" "" '"$INSTDIR\${APP_EXE}" "%1"'

  ; Add/Remove Programs.
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode /S'
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "EstimatedSize" "$0"

  ; Remembered for upgrades (MultiUser.nsh reads it back as the default folder).
  WriteRegStr SHCTX "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"

  ; Tell Explorer the URL association changed (SHCNE_ASSOCCHANGED).
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd

Section /o "Start ${APP_NAME} when I sign in" SecAutostart
  WriteRegStr SHCTX "${RUN_KEY}" "${APP_ID}" '"$INSTDIR\${APP_EXE}"'
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
SectionEnd

; --- Uninstaller -----------------------------------------------------------------------------
Section "Uninstall"
  Call un.WaitForAppExit

  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"

  ; Start on login, whether the installer or the app's Settings set it.
  DeleteRegValue SHCTX "${RUN_KEY}" "${APP_ID}"
  DeleteRegValue HKCU "${RUN_KEY}" "${APP_ID}"

  ; The acestream:// protocol, only while it still points at this installation
  ; (another program may have taken it over since).
  ReadRegStr $0 SHCTX "${CLASSES_KEY}\shell\open\command" ""
  ${If} $0 == '"$INSTDIR\${APP_EXE}" "%1"'
  ${OrIf} $0 == ""
    DeleteRegKey SHCTX "${CLASSES_KEY}"
  ${EndIf}

  DeleteRegKey SHCTX "${UNINSTALL_KEY}"
  DeleteRegKey SHCTX "${SETTINGS_KEY}"

  ; Only the files the installer put there; a folder the user chose is never wiped.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\acetray-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  ; Settings and logs live in the user's profile (%LOCALAPPDATA%\AceTray); ask first.
  SetShellVarContext current
  ${If} ${FileExists} "$LOCALAPPDATA\${APP_NAME}\*.*"
    ${If} ${Cmd} `MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "Also delete your ${APP_NAME} settings and logs?$\n$LOCALAPPDATA\${APP_NAME}" /SD IDNO IDYES`
      RMDir /r "$LOCALAPPDATA\${APP_NAME}"
    ${EndIf}
  ${EndIf}

  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd
