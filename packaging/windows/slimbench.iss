; Inno Setup script: a Windows installer from PyInstaller's dist\slimbench folder.
; Built by .github/workflows/installers.yml on a Windows runner:
;   iscc /DAppVersion=0.1.0 packaging\windows\slimbench.iss
; (expects dist\slimbench from packaging\slimbench.spec and build\slimbench.ico).
; A per-user install by default (no administrator needed), with a Start menu entry for the
; window and the `slimbench` command in the install folder.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6B0B3E7C-5D5B-4C1E-9B8A-51A7B3C0D1E2}
AppName=Slimbench
AppVersion={#AppVersion}
AppPublisher=Slimbench developers
DefaultDirName={autopf}\Slimbench
DefaultGroupName=Slimbench
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=slimbench-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\build\slimbench.ico
UninstallDisplayIcon={app}\slimbench-gui.exe
; lzma2 on one solid block: about 300 MB for the ~1 GB bundle.
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\slimbench\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Slimbench"; Filename: "{app}\slimbench-gui.exe"
Name: "{autodesktop}\Slimbench"; Filename: "{app}\slimbench-gui.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\slimbench-gui.exe"; Description: "{cm:LaunchProgram,Slimbench}"; Flags: nowait postinstall skipifsilent
