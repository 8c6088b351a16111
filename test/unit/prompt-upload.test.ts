/** The multipart body of a recording upload (RFC 7578), read without a library. */
import t from 'tap';
import { MultipartError, parseMultipart } from '../../apps/console/prompt-upload.js';

t.test('fields and a binary file, in any order', async (t) => {
  const form = new FormData();
  form.append('_csrf', 'token-1');
  const bytes = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
  form.append('file', new Blob([bytes]), 'aisatsu 挨拶.wav');
  form.append('after', '日本語');
  const req = new Request('http://x/', { method: 'POST', body: form });
  const body = Buffer.from(await req.arrayBuffer());
  const { fields, files } = parseMultipart(body, req.headers.get('content-type')!);
  t.same(fields, { _csrf: 'token-1', after: '日本語' });
  t.equal(files.length, 1);
  t.equal(files[0]!.field, 'file');
  t.equal(files[0]!.filename, 'aisatsu 挨拶.wav');
  t.same([...files[0]!.data], [...bytes], 'bytes exactly, CR LF and dashes included');
});

t.test('malformed bodies are refused', async (t) => {
  t.throws(() => parseMultipart(Buffer.from('x'), 'multipart/form-data'), MultipartError, 'no boundary');
  t.throws(() => parseMultipart(Buffer.from('nothing here'), 'multipart/form-data; boundary=abc'), MultipartError, 'no parts');
  t.throws(() => parseMultipart(Buffer.from('--abc\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue'), 'multipart/form-data; boundary=abc'), MultipartError, 'cut off');
});
