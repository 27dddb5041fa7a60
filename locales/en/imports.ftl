## imports (issue 17): the register file upload and its encodings

imports-file-heading = Upload a CSV file
imports-file = CSV file
imports-encoding = File encoding
imports-file-submit = Upload and import
imports-encoding-utf8 = UTF-8 (default, with or without BOM)
imports-encoding-gb18030 = GB18030 / GBK (Simplified Chinese Windows, Excel)
imports-encoding-big5 = Big5 (Traditional Chinese)
imports-encoding-windows-1252 = Windows-1252 (Western European)
imports-encoding-shift-jis = Shift_JIS (Japanese)
imports-encoding-euc-kr = EUC-KR (Korean)
imports-not-utf8 = Line { $line } is not UTF-8 text: it looks like { $guess }. Choose it under “File encoding” and upload again. Nothing was imported.
imports-not-valid = Line { $line } is not valid { $encoding } text: check the file encoding chosen. Nothing was imported.
imports-cut-short = The file ends inside a quoted field that starts on line { $line }: it was cut short. Nothing was imported.
imports-encoding-unknown = Unknown file encoding.
imports-no-file = Choose a CSV file to upload. Nothing was imported.
