"""Static data for the Indian, Malaysian and Singapore layouts: names, places, services, drugs and prices.

All people, providers and registration numbers are fictional. Prices are rough local list prices in the bill's own
currency (INR, MYR, SGD); nothing is converted from USD. ICD-10-CM codes are valid leaves (a test checks them).
"""

from __future__ import annotations

# --- India ---------------------------------------------------------------------------------------------------------

IN_FIRST_NAMES = (
    "Aarav Vivaan Aditya Arjun Sai Reyansh Krishna Ishaan Rohan Rahul Amit Sanjay Rajesh Suresh Ramesh Vikram "
    "Anil Sunil Manoj Deepak Prakash Venkatesh Srinivas Harish Ganesh Mahesh Naveen Karthik Abdul Imran Mohammed "
    "Joseph Thomas Gurpreet Harpreet Ananya Diya Aadhya Saanvi Priya Pooja Neha Kavita Sunita Anita Lakshmi "
    "Meena Revathi Divya Shalini Sneha Asha Fatima Ayesha Mary Jyoti Rekha Geeta Usha Radha Bhavana Swati"
).split()
IN_LAST_NAMES = (
    "Sharma Verma Gupta Singh Kumar Patel Shah Mehta Joshi Desai Kulkarni Deshpande Patil Pawar Jadhav Rao Reddy "
    "Naidu Iyer Iyengar Menon Nair Pillai Kurian Thomas Chatterjee Banerjee Mukherjee Das Ghosh Bose Sen Mishra "
    "Tiwari Pandey Dubey Yadav Chauhan Rathore Agarwal Jain Khan Qureshi Shaikh Ansari Fernandes D'Souza Gill "
    "Sandhu Bhatt Trivedi Subramanian Krishnan Murthy Hegde Shetty"
).split()
#: (city, state, PIN prefix, GST state code)
IN_CITIES = (
    ("Pune", "Maharashtra", "411", "27"), ("Nagpur", "Maharashtra", "440", "27"),
    ("Bengaluru", "Karnataka", "560", "29"), ("Mysuru", "Karnataka", "570", "29"),
    ("Chennai", "Tamil Nadu", "600", "33"), ("Coimbatore", "Tamil Nadu", "641", "33"),
    ("Hyderabad", "Telangana", "500", "36"), ("Jaipur", "Rajasthan", "302", "08"),
    ("Lucknow", "Uttar Pradesh", "226", "09"), ("Kochi", "Kerala", "682", "32"),
    ("Thiruvananthapuram", "Kerala", "695", "32"), ("Ahmedabad", "Gujarat", "380", "24"),
    ("Surat", "Gujarat", "395", "24"), ("Indore", "Madhya Pradesh", "452", "23"),
    ("Bhubaneswar", "Odisha", "751", "21"), ("Kolkata", "West Bengal", "700", "19"),
    ("New Delhi", "Delhi", "110", "07"), ("Ludhiana", "Punjab", "141", "03"),
)
IN_STREETS = (
    "M.G. Road", "Station Road", "Nehru Nagar", "Gandhi Chowk", "Ring Road", "Civil Lines", "Sector 12",
    "Anna Salai", "Banjara Hills Road No. 3", "Jubilee Hills", "FC Road", "Karve Road", "Sardar Patel Marg",
    "Residency Road", "Hospital Road", "Main Bazaar", "Link Road", "Ashok Nagar", "Rajaji Nagar", "Park Street",
)
IN_HOSPITAL_NAMES = (
    "{city} Multispeciality Hospital", "Sri {deity} Hospitals", "{last} Memorial Hospital & Research Centre",
    "Lifeline Super Speciality Hospital", "Sanjeevani Hospital Pvt. Ltd.", "City Care Hospital", "Arogya Nursing Home",
    "Shree {deity} Medical Centre", "Navjeevan Hospital", "{city} Institute of Medical Sciences",
    "Sunrise Heart & Multispeciality Hospital", "Kamala Nehru Charitable Hospital", "Sahyadri Care Hospital",
    "Dhanvantari Hospital", "Matrushree Maternity & Surgical Hospital", "Medicover-{city} Hospital",
)
IN_DEITIES = ("Sai", "Ganesh", "Balaji", "Venkateshwara", "Krishna", "Lakshmi", "Durga", "Ram")
IN_PHARMACY_NAMES = (
    "{last} Medical Stores", "Shree Ganesh Medicals", "New Life Pharmacy", "Sai Medical & General Stores",
    "Wellness Chemists & Druggists", "Om Pharma", "City Medicos", "Jeevan Medical Hall", "Sri {deity} Medicals",
    "Arogya Chemists", "Lifecare Pharmacy", "{city} Medical Agencies",
)
IN_DOCTOR_SPECIALTIES = (
    "General Medicine", "General Surgery", "Orthopaedics", "Cardiology", "Paediatrics", "Obstetrics & Gynaecology",
    "Pulmonology", "Gastroenterology", "Nephrology", "Neurology",
)
IN_TPAS = (
    "Medi Assist TPA", "Paramount Health Services TPA", "Vidal Health TPA", "MD India Healthcare TPA",
    "Health India TPA", "Family Health Plan TPA", "Raksha TPA",
)
IN_ICD = (
    "A90", "A01.00", "J18.9", "K35.80", "K80.20", "N20.0", "I21.4", "E11.65", "A09", "J44.1", "S72.001A", "O80",
    "K40.90", "I63.9", "B54", "N39.0", "J15.9", "K29.70",
)
IN_ICD_PHARMACY = ("I10", "E11.9", "J06.9", "K21.9", "E78.5", "J45.909")

#: Sections of an Indian hospital bill: key → (printed names, items). Item: (description, low, high, (qmin, qmax),
#: per_day) where per_day items repeat once a day of the stay.
IN_SECTIONS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, int, int, tuple[int, int], bool], ...]]] = {
    "room": (("ROOM CHARGES", "Room / Bed Charges", "Accommodation Charges", "BED CHARGES"), (
        ("Room Rent - General Ward", 1200, 2500, (1, 1), True),
        ("Room Rent - Semi Private", 3000, 4800, (1, 1), True),
        ("Room Rent - Private Room", 5500, 9500, (1, 1), True),
        ("ICU Charges", 9000, 22000, (1, 1), True),
        ("Nursing Charges", 500, 1500, (1, 1), True),
        ("RMO / Duty Doctor Charges", 400, 1200, (1, 1), True),
        ("Diet Charges", 300, 800, (1, 1), True),
        ("Bio-Medical Waste Charges", 100, 300, (1, 1), False),
    )),
    "consultation": (("CONSULTATION CHARGES", "Doctor Visit Charges", "Professional Fees", "CONSULTANT FEES"), (
        ("Consultation - Dr. {doctor} ({specialty})", 800, 2000, (1, 3), False),
        ("Specialist Visit - Dr. {doctor}", 1000, 2500, (1, 2), False),
        ("Cross Consultation - {specialty}", 1000, 2500, (1, 1), False),
        ("Emergency Consultation", 700, 1500, (1, 1), False),
        ("Dietician Consultation", 400, 900, (1, 1), False),
    )),
    "laboratory": (("LABORATORY CHARGES", "Lab Investigations", "PATHOLOGY", "Laboratory"), (
        ("Complete Blood Count (CBC)", 300, 600, (1, 3), False),
        ("Liver Function Test (LFT)", 600, 1200, (1, 2), False),
        ("Kidney Function Test (KFT)", 600, 1100, (1, 2), False),
        ("Lipid Profile", 500, 900, (1, 1), False),
        ("HbA1c", 400, 800, (1, 1), False),
        ("Blood Sugar (Fasting / PP)", 80, 200, (1, 4), False),
        ("Urine Routine & Microscopy", 150, 350, (1, 2), False),
        ("Serum Electrolytes", 400, 900, (1, 3), False),
        ("C-Reactive Protein (CRP)", 400, 850, (1, 2), False),
        ("Dengue NS1 Antigen", 600, 1200, (1, 1), False),
        ("Blood Culture & Sensitivity", 900, 1800, (1, 1), False),
        ("PT / INR", 300, 600, (1, 2), False),
        ("Thyroid Profile (T3 T4 TSH)", 500, 1000, (1, 1), False),
        ("Widal Test", 150, 350, (1, 1), False),
        ("Malaria Parasite (MP) Smear", 150, 300, (1, 1), False),
    )),
    "radiology": (("RADIOLOGY", "Imaging Charges", "RADIOLOGY & IMAGING", "Investigations - Radiology"), (
        ("X-Ray Chest PA View", 300, 700, (1, 2), False),
        ("USG Abdomen & Pelvis", 1200, 2500, (1, 1), False),
        ("CT Scan Brain (Plain)", 2500, 4500, (1, 1), False),
        ("MRI Lumbar Spine", 5500, 9500, (1, 1), False),
        ("ECG", 200, 500, (1, 3), False),
        ("2D Echocardiography", 1800, 3500, (1, 1), False),
    )),
    "pharmacy": (("PHARMACY CHARGES", "Medicines & Consumables", "PHARMACY", "Drugs & Disposables"), (
        ("Inj. Ceftriaxone 1 g", 60, 140, (2, 10), False),
        ("Inj. Pantoprazole 40 mg", 45, 90, (2, 8), False),
        ("Tab. Paracetamol 650 mg", 2, 4, (6, 20), False),
        ("IV Fluid NS 500 ml", 30, 60, (2, 12), False),
        ("IV Fluid RL 500 ml", 35, 70, (2, 10), False),
        ("Inj. Ondansetron 4 mg", 15, 40, (2, 8), False),
        ("Inj. Piperacillin + Tazobactam 4.5 g", 380, 650, (2, 9), False),
        ("Inj. Enoxaparin 40 mg", 320, 520, (1, 5), False),
        ("Syringe 5 ml", 6, 12, (5, 20), False),
        ("IV Cannula 20G", 90, 180, (1, 3), False),
        ("Surgical Gloves (pair)", 25, 60, (4, 20), False),
        ("Tab. Amoxicillin + Clavulanic Acid 625", 18, 32, (6, 15), False),
        ("Nebulisation Solution (Budesonide)", 25, 55, (2, 8), False),
        ("Inj. Insulin (Regular) 40 IU/ml", 140, 220, (1, 2), False),
    )),
    "procedures": (("PROCEDURE / OT CHARGES", "Surgery & OT Charges", "PROCEDURES", "OT & Anaesthesia"), (
        ("OT Charges (Major)", 15000, 35000, (1, 1), False),
        ("OT Charges (Minor)", 4000, 9000, (1, 1), False),
        ("Surgeon Fees", 20000, 60000, (1, 1), False),
        ("Anaesthetist Fees", 6000, 15000, (1, 1), False),
        ("Laparoscopic Cholecystectomy Package", 55000, 95000, (1, 1), False),
        ("Appendectomy (Lap) Package", 45000, 80000, (1, 1), False),
        ("Dressing Charges", 200, 600, (1, 4), False),
        ("Nebulisation", 150, 300, (1, 6), False),
        ("Blood Transfusion Charges", 1200, 2500, (1, 2), False),
        ("Physiotherapy Session", 400, 900, (1, 5), False),
        ("Ryles Tube Insertion", 300, 700, (1, 1), False),
        ("Foley Catheterisation", 400, 900, (1, 1), False),
    )),
    "consumables": (("CONSUMABLES", "Surgical Consumables", "MEDICAL CONSUMABLES"), (
        ("Surgical Consumables", 1500, 8000, (1, 1), False),
        ("Sterile Drapes & Gowns", 600, 1500, (1, 1), False),
        ("Suture Material", 400, 1800, (1, 2), False),
    )),
}
#: Printed names of a bill's totals rows.
IN_LABELS = {
    "total": ("Grand Total", "Total Bill Amount", "GRAND TOTAL", "Bill Amount", "Total Amount", "Net Amount",
              "NET AMOUNT", "Net Bill Amount", "Total Bill Amount (Rs.)"),
    #: the total's label when nothing was paid in advance: then the total is what is payable
    "total_payable": ("Amount Payable", "Net Payable", "Net Amount Payable", "Total Payable"),
    "gross": ("Gross Amount", "Gross Total", "Sub Total", "Gross Bill Amount"),
    "discount": ("Less: Discount", "Discount", "Concession", "Less: Concession"),
    "advance": ("Less: Advance Paid", "Advance Received", "Deposit Paid", "Less: Advance / Deposit",
                "Advance Amount"),
    "balance": ("Balance Payable", "Balance Amount", "Due Amount", "BALANCE DUE", "Balance", "Amount Payable",
                "Net Payable"),
    "words": ("Amount in words:", "Rupees (in words):", "In Words:", "Amount (in words):"),
    "bill_no": ("Bill No.", "Bill No:", "Invoice No.", "IP Bill No.", "Final Bill No."),
    "bill_date": ("Bill Date", "Bill Dt.", "Date"),
    "uhid": ("UHID", "UHID No.", "MR No.", "Reg. No.", "Patient ID"),
    "ipno": ("IP No.", "IPD No.", "Admission No.", "IP Number"),
    "admit": ("Date of Admission", "Admission Date", "DOA", "Admitted On"),
    "discharge": ("Date of Discharge", "Discharge Date", "DOD", "Discharged On"),
    "member": ("Policy No.", "TPA Card No.", "Insurance ID", "Member ID", "Policy / Card No."),
    "patient": ("Patient Name", "Name of Patient", "Patient", "Name"),
}

#: Medicines a pharmacy counter sells: (name, pack, MRP low, MRP high per pack, GST %)
IN_DRUGS = (
    ("PARACETAMOL 650 TAB", "15'S", 25, 35, 12), ("AZITHROMYCIN 500 TAB", "3'S", 70, 125, 12),
    ("PANTOPRAZOLE 40 TAB", "15'S", 95, 160, 12), ("CEFIXIME 200 TAB", "10'S", 95, 140, 12),
    ("AMOXY-CLAV 625 TAB", "10'S", 180, 230, 12), ("METFORMIN 500 SR TAB", "15'S", 25, 55, 12),
    ("TELMISARTAN 40 TAB", "15'S", 70, 140, 12), ("ATORVASTATIN 10 TAB", "15'S", 60, 120, 12),
    ("MONTELUKAST+LEVOCETIRIZINE", "10'S", 120, 210, 12), ("ORS SACHET 21G", "1'S", 20, 25, 12),
    ("CETIRIZINE 10 TAB", "10'S", 18, 40, 12), ("B-COMPLEX CAP", "10'S", 30, 45, 12),
    ("COUGH SYRUP 100ML", "1'S", 95, 145, 12), ("DICLOFENAC GEL 30G", "1'S", 60, 120, 12),
    ("INSULIN GLARGINE PEN 3ML", "1'S", 650, 950, 5), ("AMLODIPINE 5 TAB", "15'S", 25, 60, 12),
    ("OMEPRAZOLE 20 CAP", "15'S", 50, 95, 12), ("VITAMIN D3 60K CAP", "4'S", 110, 140, 12),
    ("IBUPROFEN 400 TAB", "15'S", 15, 35, 12), ("GLIMEPIRIDE 1 TAB", "10'S", 60, 120, 12),
    ("SALBUTAMOL INHALER", "1'S", 140, 190, 12), ("CALCIUM+D3 TAB", "15'S", 110, 180, 12),
    ("ANTISEPTIC LIQUID 100ML", "1'S", 60, 95, 18), ("ADULT DIAPER M", "10'S", 450, 650, 12),
)
IN_PHARMACY_LABELS = {
    "total": ("Net Amount", "NET AMOUNT", "Grand Total", "Total", "TOTAL", "Net Payable", "Amount Payable",
              "Bill Amount"),
    "gross": ("Gross Amt", "Sub Total", "Total MRP", "Gross Amount"),
    "memo": ("CASH MEMO", "Cash Memo", "TAX INVOICE", "Cash/Credit Memo", "RETAIL INVOICE", "Bill of Supply"),
}

# --- Malaysia and Singapore ----------------------------------------------------------------------------------------

SEA_FIRST_NAMES = (
    "Ahmad Muhammad Nur Siti Aisyah Farah Hafiz Amir Aiman Zulkifli Wei Ling Jia Hui Kok Wai Mei Ling Siew Chee "
    "Kumar Rajan Devi Priya Jun Jie Xin Yi Hui Min Li Na Wen Jun Raj Lakshmi Daniel Sarah"
).split()
SEA_LAST_NAMES = (
    "Tan Lim Lee Ng Ong Wong Goh Chua Chan Koh Teo Ang Yeo Ismail Abdullah Rahman Hassan Ibrahim Othman Yusof "
    "Subramaniam Krishnan Pillai Muthu Fernandez"
).split()
MY_PLACES = (
    ("Jalan SS 2/24", "47300", "Petaling Jaya", "Selangor"), ("Jalan Tun Razak", "50400", "Kuala Lumpur", "W.P."),
    ("Jalan Ipoh", "51200", "Kuala Lumpur", "W.P."), ("Jalan Kenari 5", "47170", "Puchong", "Selangor"),
    ("Jalan Wong Ah Fook", "80000", "Johor Bahru", "Johor"), ("Jalan Sultan Idris Shah", "30000", "Ipoh", "Perak"),
    ("Jalan Rasah", "70300", "Seremban", "Negeri Sembilan"), ("Jalan Burma", "10050", "George Town", "Pulau Pinang"),
    ("Persiaran Kayangan", "40000", "Shah Alam", "Selangor"), ("Jalan Meru", "41050", "Klang", "Selangor"),
    ("Jalan Cheras", "56100", "Cheras", "Kuala Lumpur"), ("Jalan Bukit Bintang", "55100", "Kuala Lumpur", "W.P."),
)
SG_PLACES = (
    ("Tampines St 11", "52"), ("Jurong West St 52", "64"), ("Ang Mo Kio Ave 3", "56"), ("Bedok North Rd", "46"),
    ("Toa Payoh Lor 1", "31"), ("Woodlands Dr 16", "73"), ("Punggol Field", "82"), ("Clementi Ave 2", "12"),
    ("Yishun Ring Rd", "76"), ("Hougang Ave 8", "53"), ("Bukit Batok St 21", "65"), ("Serangoon Central", "55"),
)
MY_CLINIC_NAMES = (
    "Klinik {last} & Rakan-Rakan", "Poliklinik Mesra", "Klinik Keluarga {town}", "Klinik Dr. {first}",
    "Poliklinik Sejahtera", "Klinik Medijaya", "Klinik Permata {town}", "Poliklinik Bersatu", "Klinik Famili Sentosa",
    "Klinik Pakar Kanak-Kanak {last}",
)
MY_COMPANY_SUFFIX = ("Sdn. Bhd.", "Sdn Bhd", "SDN. BHD.")
SG_CLINIC_NAMES = (
    "{town} Family Clinic", "{town} Medical Clinic", "Healthline Medical Centre", "Dr {last} Family Clinic & Surgery",
    "Silver Cross Clinic", "Crescent Medical Clinic", "OneCare {town}", "Kinder Paediatric Clinic",
    "Lifespring Medical Clinic", "{town} Polyclinic Partners",
)
SEA_ITEMS = (
    # (description, low, high, (qmin, qmax)) — prices in MYR; SGD scales them
    ("Consultation", 25, 60, (1, 1)), ("Consultation (After Hours)", 45, 90, (1, 1)),
    ("Amoxicillin 500mg cap x 21", 12, 25, (1, 1)), ("Paracetamol 500mg tab x 10", 3, 8, (1, 2)),
    ("Cough Mixture 90ml", 8, 18, (1, 1)), ("Loratadine 10mg tab x 10", 6, 15, (1, 1)),
    ("Ibuprofen 400mg tab x 10", 5, 12, (1, 1)), ("Omeprazole 20mg cap x 14", 12, 28, (1, 1)),
    ("Strepsils lozenges", 8, 14, (1, 2)), ("Injection (IM)", 20, 45, (1, 1)), ("Nebuliser Treatment", 25, 50, (1, 2)),
    ("Wound Dressing", 15, 40, (1, 2)), ("ECG", 35, 80, (1, 1)), ("Blood Test - FBC", 25, 60, (1, 1)),
    ("Urine FEME", 10, 25, (1, 1)), ("Medical Certificate", 0, 0, (1, 1)),
    ("Oral Rehydration Salts x 5", 5, 10, (1, 1)),
    ("Antibiotic Eye Drops", 10, 22, (1, 1)), ("Procedure - Incision & Drainage", 80, 180, (1, 1)),
)
SEA_ICD = ("J06.9", "J02.9", "A09", "J20.9", "R50.9", "L03.115", "H10.9", "K52.9", "J30.9", "R51.9", "M54.50")
SEA_PANELS = ("AIA", "Great Eastern", "Prudential", "Allianz", "AXA", "Etiqa", "PMCare", "MiCare")
SEA_LABELS = {
    "title": ("OFFICIAL RECEIPT", "RECEIPT", "TAX INVOICE", "Receipt / Tax Invoice", "CASH RECEIPT", "INVOICE"),
    "total": ("Total", "TOTAL", "Total Amount", "Grand Total", "Total Payable", "Nett Total", "Amount Due"),
    "subtotal": ("Sub Total", "Subtotal", "Total Before Tax", "Sub-Total"),
    "rounding": ("Rounding Adj", "Rounding Adjustment", "Rounding", "Round Adj"),
    "cash": ("Cash", "CASH", "Cash Tendered", "Paid (Cash)"),
    "change": ("Change", "CHANGE", "Change Due"),
    "receipt_no": ("Receipt No", "Receipt No.", "Bill No", "Invoice No", "Rcpt #", "Doc No"),
    "patient": ("Patient", "Patient Name", "Name"),
    "id": ("NRIC", "NRIC/FIN", "IC No", "I/C No.", "ID No"),
    "member": ("Panel Member ID", "Policy No", "Member No", "Card No"),
    "date": ("Date", "Visit Date", "Date of Visit", "Tarikh"),
}
